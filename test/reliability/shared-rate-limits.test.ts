import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/settings.ts';
import { startTestGraph, type TestGraph } from '../support/graph.ts';
import { eventually, type SpawnedProcess, spawnCommand } from '../support/processes.ts';
import { redisAnswers, TEST_REDIS_URL } from '../support/redis.ts';

/**
 * One budget per caller, however many gateway processes serve it: the workers of `npm run gateway -- --workers 2`
 * share the primary's buckets, and separate gateway processes share Redis (LIFEGRAPH_REDIS_URL). Each test gives a
 * partner key a bucket of ten requests and sends forty at once, spread over the processes: if each process had its
 * own bucket, about twice as many would get through.
 */
const FULL = JSON.stringify({ query: 'query Full { merchants(first: 2) { edges { node { id name } } } }' });
const BURST = 40;
const BUCKET_REQUESTS = 10;

const redis = await redisAnswers('shared rate limits');

describe('one bucket per caller across gateway processes', () => {
  let graph: TestGraph;
  let cost: number;
  const running: SpawnedProcess[] = [];
  beforeAll(async () => {
    graph = await startTestGraph();
    const answer = await fetch(graph.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: FULL,
    });
    cost = ((await answer.json()) as { extensions: { cost: { requestedQueryCost: number } } }).extensions.cost
      .requestedQueryCost;
  });
  afterAll(async () => {
    for (const process of running) process.killGroup('SIGKILL');
    await graph?.stop();
  });

  const gateway = async (args: string[], env: Record<string, string> = {}) => {
    const started = spawnCommand(process.execPath, ['--import', 'tsx', 'gateway/cli/gateway.ts', ...args], {
      ...Object.fromEntries(
        SUBGRAPH_NAMES.map((name) => [`LIFEGRAPH_${name.toUpperCase()}_PORT`, String(graph.subgraphs[name].port)]),
      ),
      LIFEGRAPH_JWT_SECRET: graph.secrets.jwtSecret,
      LIFEGRAPH_SUBGRAPH_SECRET: graph.secrets.subgraphSecret,
      LOG_LEVEL: 'silent',
      ...env,
    });
    running.push(started);
    const [, port] = await started.waitFor(/^gateway http:\/\/localhost:(\d+)\/graphql /m, 120_000);
    return { started, url: `http://127.0.0.1:${port}/graphql` };
  };

  /** A key whose bucket holds BUCKET_REQUESTS requests and refills one point a second. */
  const smallKey = () => {
    const store = new ApiKeyStore(graph.dataDir);
    try {
      const rateLimit = { pointsPerSecond: 1, bucketPoints: BUCKET_REQUESTS * cost };
      return store.create({ name: `shared ${randomUUID()}`, scopes: [], merchants: [], expiresAt: null, rateLimit })
        .key;
    } finally {
      store.close();
    }
  };

  /** Sends BURST requests at once, each to the next of `urls`; returns how many were accepted, and the seconds it took. */
  const burst = async (urls: string[], key: string) => {
    const started = Date.now();
    const statuses = await Promise.all(
      Array.from({ length: BURST }, async (_, i) => {
        const response = await fetch(urls[i % urls.length] as string, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': key },
          body: FULL,
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    return { accepted: statuses.filter((s) => s === 200).length, seconds: (Date.now() - started) / 1000 };
  };

  /** The bucket plus what it refilled meanwhile, in requests. */
  const budget = (seconds: number) => BUCKET_REQUESTS + Math.ceil(seconds / cost);

  it('the workers of one gateway share the primary’s bucket (never N times the limit)', async () => {
    const { url, started } = await gateway(['--workers', '2', '--port', '0', '--data-dir', graph.dataDir]);
    await eventually(() => /2 workers on port/.test(started.stderr()), 'both workers serve');
    const { accepted, seconds } = await burst([url], smallKey());
    expect(accepted).toBeGreaterThanOrEqual(BUCKET_REQUESTS);
    expect(accepted).toBeLessThanOrEqual(budget(seconds));
  }, 180_000);

  it.skipIf(!redis)(
    'two gateway processes on one Redis enforce one budget together',
    async () => {
      const env = { LIFEGRAPH_REDIS_URL: TEST_REDIS_URL };
      const [a, b] = await Promise.all([
        gateway(['--port', '0', '--data-dir', graph.dataDir], env),
        gateway(['--port', '0', '--data-dir', graph.dataDir], env),
      ]);
      const { accepted, seconds } = await burst([a.url, b.url], smallKey());
      expect(accepted).toBeGreaterThanOrEqual(BUCKET_REQUESTS);
      expect(accepted).toBeLessThanOrEqual(budget(seconds));
    },
    180_000,
  );
});
