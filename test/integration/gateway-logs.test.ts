import { describe, expect, it } from 'vitest';
import { spawnTsx } from '../support/processes.ts';
import { testDataDir } from '../support/temp.ts';

// The gateway writes its request log lines to stderr asynchronously: none may be lost when it stops.

describe('gateway request logs', () => {
  it('every line of the requests answered before a graceful stop reaches stderr', async () => {
    // No subgraph is needed for `{ __typename }`; the gateway only has to know where they would be.
    const subgraphPorts = Object.fromEntries(
      ['MERCHANTS', 'CONTENT', 'OFFERS', 'SOCIAL'].map((name) => [`LIFEGRAPH_${name}_PORT`, '9']),
    );
    const gateway = spawnTsx('gateway/cli/gateway.ts', ['--port', '0', '--data-dir', testDataDir()], {
      ...subgraphPorts,
      LOG_LEVEL: 'info',
    });
    try {
      const [, port] = await gateway.waitFor(/gateway http:\/\/localhost:(\d+)\/graphql/);
      const requests = 400;
      const send = async (i: number) => {
        const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: `query Probe${i} { __typename }` }),
        });
        expect(response.status).toBe(200);
        await response.text();
      };
      for (let i = 0; i < requests; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => send(i + j)));
      gateway.child.kill('SIGTERM');
      await gateway.exited;
      const logged = new Set(
        gateway
          .stderr()
          .split('\n')
          .filter((line) => line.includes('"graphql request"'))
          .map((line) => (JSON.parse(line) as { operation: string }).operation),
      );
      expect(logged.size).toBe(requests);
    } finally {
      gateway.killGroup('SIGKILL');
    }
  });
});
