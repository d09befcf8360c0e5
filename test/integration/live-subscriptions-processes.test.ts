import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUserToken } from '../../gateway/auth/user-token.ts';
import { FIXED } from '../../seeds/fixtures.ts';
import { seedDataDir } from '../../seeds/seed.ts';
import { SUBGRAPHS } from '../../subgraphs/index.ts';
import type { StartedSubgraph } from '../../subgraphs/shared/server.ts';
import { TEST_SECRETS } from '../support/graph.ts';
import { deleteStreams, natsAnswers, TEST_NATS_URL } from '../support/nats.ts';
import { type SpawnedProcess, spawnTsx } from '../support/processes.ts';
import { deleteKeys, redisAnswers, TEST_REDIS_URL } from '../support/redis.ts';
import { subscribeWs, within, wsClient } from '../support/subscriptions.ts';
import { removeTestDataDir, testDataDir } from '../support/temp.ts';

// Gateways as `npm run gateway` runs them, each in a process of its own, in front of subgraphs in this process.
const STREAM = FIXED.kfcLiveStream;
const ROOM = `subscription($id: ID!) { liveStreamUpdated(id: $id) { kind stream { featuredOffers { ... on CouponTemplate { id remainingStock } } account { merchant { name } } } } }`;
const silent = pino({ level: 'silent' });

/** The four subgraphs on ephemeral ports over a fresh seeded directory, with `events` options. */
async function startSubgraphs(dataDir: string, events: Record<string, unknown>) {
  seedDataDir(dataDir);
  // biome-ignore lint/suspicious/noExplicitAny: each subgraph has its own tables
  const running: Record<string, StartedSubgraph<any>> = {};
  for (const name of ['merchants', 'content', 'offers', 'social'] as const) {
    running[name] = await SUBGRAPHS[name].start({
      dataDir,
      port: 0,
      subgraphSecret: TEST_SECRETS.subgraphSecret,
      scheduler: false,
      logger: silent,
      events: { publisherUrl: (p: string) => running[p] && new URL(running[p].url).origin, ...events },
    });
  }
  return running;
}

/** `npm run gateway` on any free port, told where the subgraphs are; resolves with its /graphql URL. */
async function spawnGateway(
  dataDir: string,
  // biome-ignore lint/suspicious/noExplicitAny: see above
  subgraphs: Record<string, StartedSubgraph<any>>,
  env: Record<string, string> = {},
) {
  const ports = Object.fromEntries(
    Object.entries(subgraphs).map(([name, s]) => [`LIFEGRAPH_${name.toUpperCase()}_PORT`, String(s.port)]),
  );
  const process = spawnTsx('gateway/cli/gateway.ts', ['--port', '0', '--data-dir', dataDir], {
    LOG_LEVEL: 'warn',
    LIFEGRAPH_JWT_SECRET: TEST_SECRETS.jwtSecret,
    LIFEGRAPH_SUBGRAPH_SECRET: TEST_SECRETS.subgraphSecret,
    ...ports,
    ...env,
  });
  const [, port] = (await process.waitFor(/^gateway http:\/\/[^:]+:(\d+)\/graphql/m)) as RegExpMatchArray;
  return { process, url: `http://127.0.0.1:${port}/graphql` };
}

let claims = 0;
async function claim(url: string, user: string) {
  claims += 1;
  const token = await signUserToken({ userId: user }, { secret: TEST_SECRETS.jwtSecret });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: `mutation($input: ClaimCouponInput!) { claimCoupon(input: $input) { userErrors { code } } }`,
      variables: {
        input: { templateId: FIXED.kfcCouponTemplate, liveStreamId: STREAM, idempotencyKey: `p-${claims}` },
      },
    }),
  });
  const body = (await response.json()) as { data?: { claimCoupon: { userErrors: unknown[] } } };
  expect(body.data?.claimCoupon.userErrors).toEqual([]);
}

describe('a gateway process on SIGTERM', () => {
  const dataDir = testDataDir('lg-live-sigterm-');
  // biome-ignore lint/suspicious/noExplicitAny: see above
  let subgraphs: Record<string, StartedSubgraph<any>> = {};
  let gateway: { process: SpawnedProcess; url: string } | undefined;
  beforeAll(async () => {
    subgraphs = await startSubgraphs(dataDir, { natsServers: [] });
    gateway = await spawnGateway(dataDir, subgraphs, { LIFEGRAPH_NATS_URL: '' });
  }, 60_000);
  afterAll(async () => {
    gateway?.process.killGroup('SIGKILL');
    for (const s of Object.values(subgraphs).reverse()) await s.stop();
    removeTestDataDir(dataDir);
  });

  it('delivers from its own pull of /events, then completes every subscription with the reason and exits 0', async () => {
    const url = gateway?.url as string;
    const client = wsClient(url);
    const subs = [subscribeWs(client, ROOM, { id: STREAM }), subscribeWs(client, ROOM, { id: STREAM })];
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await claim(url, 'usr_0301');
    await within(2000, () => expect(subs.map((s) => s.events.length)).toEqual([1, 1]));
    gateway?.process.child.kill('SIGTERM');
    for (const s of subs) {
      expect(await s.done).toEqual({});
      expect(s.events.at(-1)?.errors?.[0]?.extensions?.code).toBe('SHUTTING_DOWN');
    }
    expect((await gateway?.process.exited)?.code).toBe(0);
    await client.dispose();
  }, 30_000);
});

const natsUp = await natsAnswers('live subscriptions over NATS');

describe.skipIf(!natsUp)('two gateway processes with LIFEGRAPH_NATS_URL', () => {
  const dataDir = testDataDir('lg-live-nats-');
  const prefix = `LGL${randomUUID().slice(0, 8).toUpperCase()}`;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  let subgraphs: Record<string, StartedSubgraph<any>> = {};
  const gateways: { process: SpawnedProcess; url: string }[] = [];
  beforeAll(async () => {
    subgraphs = await startSubgraphs(dataDir, { natsServers: [TEST_NATS_URL], natsPrefix: prefix });
    const env = { LIFEGRAPH_NATS_URL: TEST_NATS_URL, LIFEGRAPH_NATS_PREFIX: prefix };
    gateways.push(
      ...(await Promise.all([spawnGateway(dataDir, subgraphs, env), spawnGateway(dataDir, subgraphs, env)])),
    );
  }, 90_000);
  afterAll(async () => {
    for (const g of gateways) g.process.killGroup('SIGKILL');
    for (const s of Object.values(subgraphs).reverse()) await s.stop();
    await deleteStreams(prefix);
    removeTestDataDir(dataDir);
  });

  it('delivers one claim to the subscribers of both processes', async () => {
    const clients = gateways.map((g) => wsClient(g.url));
    const subs = clients.map((client) => subscribeWs(client, ROOM, { id: STREAM }));
    // Each process's ordered consumer delivers new messages only: subscribe, and let it attach, first.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await claim(gateways[0]?.url as string, 'usr_0302');
    await within(5000, () => expect(subs.map((s) => s.events.length)).toEqual([1, 1]));
    for (const s of subs) {
      expect(s.events[0]?.errors).toBeUndefined();
      expect(s.events[0]?.data.liveStreamUpdated).toMatchObject({
        kind: 'STOCK',
        stream: { account: { merchant: { name: 'KFC' } } },
      });
    }
    await Promise.all(clients.map((c) => c.dispose()));
  }, 30_000);
});

const redisUp = await redisAnswers('live subscriptions over Redis');

describe.skipIf(!redisUp)('two gateway processes with LIFEGRAPH_REDIS_URL (no NATS)', () => {
  const dataDir = testDataDir('lg-live-redis-');
  const prefix = `lgtest-${randomUUID().slice(0, 8)}`;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  let subgraphs: Record<string, StartedSubgraph<any>> = {};
  const gateways: { process: SpawnedProcess; url: string }[] = [];
  const env = { LIFEGRAPH_NATS_URL: '', LIFEGRAPH_REDIS_URL: TEST_REDIS_URL, LIFEGRAPH_REDIS_PREFIX: prefix };
  beforeAll(async () => {
    subgraphs = await startSubgraphs(dataDir, { natsServers: [] });
    // The first process takes the lease before the second starts, so the test knows which one pulls.
    gateways.push(await spawnGateway(dataDir, subgraphs, env));
    const redis = new Redis(TEST_REDIS_URL);
    await within(5000, async () => expect(await redis.exists(`${prefix}:live:leader`)).toBe(1));
    redis.disconnect();
    gateways.push(await spawnGateway(dataDir, subgraphs, env));
  }, 90_000);
  afterAll(async () => {
    for (const g of gateways) g.process.killGroup('SIGKILL');
    for (const s of Object.values(subgraphs).reverse()) await s.stop();
    await deleteKeys(`${prefix}:*`);
    removeTestDataDir(dataDir);
  });

  it('delivers one claim to both processes, and after the pulling process dies the other takes over, missing nothing', async () => {
    const [leader, follower] = gateways as [{ process: SpawnedProcess; url: string }, { url: string }];
    const leaderClient = wsClient(leader.url);
    const followerClient = wsClient(follower.url);
    const onLeader = subscribeWs(leaderClient, ROOM, { id: STREAM });
    const onFollower = subscribeWs(followerClient, ROOM, { id: STREAM });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await claim(follower.url, 'usr_0303');
    await within(5000, () => expect([onLeader.events.length, onFollower.events.length]).toEqual([1, 1]));
    expect(onFollower.events[0]?.data.liveStreamUpdated).toMatchObject({
      kind: 'STOCK',
      stream: { account: { merchant: { name: 'KFC' } } },
    });

    // The claim happens while nobody pulls: the follower takes the lease when it expires and resumes from the cursor.
    leader.process.killGroup('SIGKILL');
    await leader.process.exited;
    await claim(follower.url, 'usr_0304');
    await within(15_000, () => expect(onFollower.events.length).toBe(2));
    expect(onFollower.events[1]?.errors).toBeUndefined();
    await followerClient.dispose();
    await Promise.resolve(leaderClient.dispose()).catch(() => {});
  }, 60_000);
});
