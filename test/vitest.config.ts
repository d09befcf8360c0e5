import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build (as @apollo/gateway does); Vite would pick the ESM
    // build from the "module" field and give the tests a second graphql instance ("another realm").
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // Every test lives under test/ (unit, integration, security, reliability); none sit beside the code.
    include: ['test/**/*.test.ts'],
    // Integration suites boot the whole graph and start processes; give them room on a shared 2-core machine. A
    // timeout catches a hang, never slowness: tests that take 10-12 s alone (a process started twice, three seeds)
    // ran past 30 s in CI beside other files, so 60 s.
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Suites run in separate processes; each boots its own graph on ephemeral ports and temp data dirs.
    pool: 'forks',
    // Three files at a time, even on 2 cores: most suites spend their time waiting on child processes, sockets
    // and timers, not on the CPU. Vitest's default (cores - 1 = one file at a time) took 13.7 min; three, 7 min,
    // with the same results.
    maxWorkers: 3,
  },
});
