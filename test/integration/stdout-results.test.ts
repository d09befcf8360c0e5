import { afterAll, describe, expect, it } from 'vitest';
import { eventually, type SpawnedProcess, spawnCommand } from '../support/processes.ts';
import { testDataDir } from '../support/temp.ts';

// `npm run -s gateway` and `npm run -s subgraph` print their ready line alone on stdout, so a script can read where
// they listen; every log line (one per request) goes to stderr, even after requests have been served.

const SECRETS = {
  LIFEGRAPH_JWT_SECRET: 'stdout-results-jwt-secret-0123456789abcd',
  LIFEGRAPH_SUBGRAPH_SECRET: 'stdout-results-subgraph-secret-01234567',
};

const running: SpawnedProcess[] = [];
afterAll(async () => {
  for (const process of running) {
    process.killGroup('SIGKILL');
    await process.exited;
  }
});

describe('npm run -s: stdout is the result, logs are on stderr', () => {
  it.each([
    ['gateway', ['--supergraph', 'schema/supergraph.graphql'], 'graphql request'],
    ['subgraph', ['merchants'], 'subgraph request'],
  ])('npm run -s %s', async (command, args, logged) => {
    const spawned = spawnCommand(
      'npm',
      ['run', '-s', command, '--', ...args, '--port', '0', '--data-dir', testDataDir('lifegraph-stdout-')],
      SECRETS,
    );
    running.push(spawned);
    const [, url] = await spawned.waitFor(/(http:\/\/\S+\/graphql)/);
    // The gateway answers this alone; a subgraph refuses it (no gateway signature): either way, one log line.
    await fetch(url as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    // Lines are written in batches, within a second.
    await eventually(() => spawned.stderr().includes(logged), `a "${logged}" line on stderr`);
    expect(spawned.stdout().trimEnd().split('\n')).toEqual([expect.stringContaining(url as string)]);
  });
});
