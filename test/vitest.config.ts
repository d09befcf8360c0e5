import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'subgraphs/**/*.test.ts', 'gateway/**/*.test.ts'],
    // Integration suites boot the whole graph; give them room on a shared 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites run in separate processes; each boots its own graph on ephemeral ports and temp data dirs.
    pool: 'forks',
  },
});
