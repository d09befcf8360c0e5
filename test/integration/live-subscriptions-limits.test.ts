import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS } from '../../gateway/rate-limit/settings.ts';
import { FIXED } from '../../seeds/fixtures.ts';
import { MAX_BODY } from '../../subgraphs/content/rules/publish-input.ts';
import { recordEvent } from '../../subgraphs/shared/events/outbox.ts';
import type { SyncSqlite } from '../../subgraphs/shared/idempotency.ts';
import { useTestGraph } from '../support/graph.ts';
import { KFC_CONTENT_STAFF } from '../support/identities.ts';
import { counterTotal, subscribeWs, within, wsClient } from '../support/subscriptions.ts';

// Small limits, so a slow client and a greedy one reach them quickly.
const previous = { ...process.env };
process.env.LIFEGRAPH_SUBSCRIPTIONS_QUEUE = '5';
process.env.LIFEGRAPH_SUBSCRIPTIONS_PER_CONNECTION = '3';
afterAll(() => {
  for (const key of ['LIFEGRAPH_SUBSCRIPTIONS_QUEUE', 'LIFEGRAPH_SUBSCRIPTIONS_PER_CONNECTION']) {
    if (previous[key] === undefined) delete process.env[key];
    else process.env[key] = previous[key];
  }
});

const graph = useTestGraph({
  rateLimits: {
    ...DEFAULT_RATE_LIMITS,
    // Users keep the defaults; anonymous callers get a bucket that one start of a costly selection empties.
    buckets: { ...DEFAULT_RATE_LIMITS.buckets, anonymous: { pointsPerSecond: 1, bucketPoints: 400 } },
  },
});
const STREAM = FIXED.kfcLiveStream;
/** Viewer-count changes sent while the slow client does not read. */
const EVENTS = 60;
const small = `subscription($id: ID!) { liveStreamUpdated(id: $id) { kind stream { viewerCount } } }`;

/** Records `count` viewer-count changes of the stream in content's outbox, as joins and leaves do. */
function viewersChange(count: number) {
  const db = graph.subgraphs.content.database.db as SyncSqlite;
  db.transaction((tx) => {
    for (let i = 1; i <= count; i++) {
      recordEvent(tx, {
        type: 'live_stream.viewers_changed',
        entityId: STREAM,
        payload: { liveStreamId: STREAM, viewerCount: i },
      });
    }
  });
}

describe('live subscription limits', () => {
  it('tells a client that does not read its events, disconnects it, and keeps delivering to the others', async () => {
    // Four posts with the longest body allowed (5000 characters, 15 KB as UTF-8) on the stream's account, and a
    // selection that repeats them 25 times: each event is about 1.5 MB for the slow client, so its socket and
    // then its queue fill within a few dozen events, while resolving each stays cheap.
    for (let i = 0; i < 4; i++) {
      const published = await graph.query(
        `mutation($account: ID!, $body: String!) { publishPost(input: { accountId: $account, kind: IMAGE_TEXT,
          title: "长文 ${i}", body: $body, media: [], attachments: [] }) { post { id } userErrors { code } } }`,
        { as: KFC_CONTENT_STAFF, variables: { account: FIXED.kfcLifeAccount, body: '长'.repeat(MAX_BODY) } },
      );
      expect(published.body.data.publishPost.userErrors).toEqual([]);
    }
    const user = { authorization: `Bearer ${await graph.tokenFor('usr_0201')}` };
    const repeated = Array.from(
      { length: 25 },
      (_, i) => `a${i}: account { posts(first: 4) { edges { node { body } } } }`,
    ).join(' ');
    const slowClient = wsClient(graph.gateway.url, user, false);
    let slowSocket: { pause(): void; resume(): void } | undefined;
    let slowClosed: { code: number; reason: string } | undefined;
    slowClient.on('connected', (socket) => {
      slowSocket = (socket as { _socket: { pause(): void; resume(): void } })._socket;
    });
    slowClient.on('closed', (event) => {
      slowClosed = event as { code: number; reason: string };
    });
    const slow = subscribeWs(
      slowClient,
      `subscription($id: ID!) { liveStreamUpdated(id: $id) { kind stream { ${repeated} } } }`,
      { id: STREAM },
    );
    const fastClient = wsClient(graph.gateway.url, user);
    const fast = subscribeWs(fastClient, small, { id: STREAM });
    await within(5000, async () => expect(await subscriptionsActive()).toBe(2));
    // The slow client stops reading its socket.
    slowSocket?.pause();
    viewersChange(EVENTS);
    // The gateway ends the slow subscription once its queue is full; the fast one gets every event.
    await within(60_000, async () => expect(await endedSlow()).toBe(1));
    slowSocket?.resume();
    await within(60_000, () => expect(fast.events.length).toBe(EVENTS));
    expect(fast.events.map((e) => e.data.liveStreamUpdated.kind)).toEqual(Array(EVENTS).fill('VIEWERS'));
    // Told, by its last event or (when the gateway closed first) by the close frame, and disconnected with 1008.
    const { error } = await slow.done;
    await within(5000, () => expect(slowClosed?.code).toBe(1008));
    expect(slowClosed?.reason).toMatch(/^SLOW_CONSUMER: /);
    const told = slow.events.at(-1)?.errors?.[0]?.extensions?.code ?? (error as { reason?: string })?.reason;
    expect(told).toMatch(/^SLOW_CONSUMER/);
    expect(slow.events.length).toBeLessThan(EVENTS);
    for (const event of slow.events.slice(0, -1)) expect(event.errors).toBeUndefined();
    fast.stop();
    await Promise.all([slowClient.dispose(), fastClient.dispose()]);
  }, 90_000);

  it('allows a connection as many subscriptions as LIFEGRAPH_SUBSCRIPTIONS_PER_CONNECTION', async () => {
    const client = wsClient(graph.gateway.url, { authorization: `Bearer ${await graph.tokenFor('usr_0202')}` });
    const subs = Array.from({ length: 4 }, () => subscribeWs(client, small, { id: STREAM }));
    const refused = subs[3] as (typeof subs)[number];
    await refused.done;
    expect(refused.events[0]?.errors?.[0]?.extensions?.code).toBe('SUBSCRIPTION_LIMIT');
    for (const s of subs.slice(0, 3)) expect(s.events).toEqual([]);
    await client.dispose();
  });

  it('charges the start of a subscription to the caller’s bucket: a throttled caller cannot subscribe', async () => {
    const costly = `subscription($id: ID!) { liveStreamUpdated(id: $id) { kind stream { featuredOffers { ... on CouponTemplate { id merchant { name } } } account { posts(first: 100) { edges { node { title } } } } } } }`;
    const client = wsClient(graph.gateway.url);
    const attempts = Array.from({ length: 3 }, () => subscribeWs(client, costly, { id: STREAM }));
    await within(5000, () => expect(attempts.some((a) => a.events.length > 0)).toBe(true));
    const codes = attempts.map((a) => a.events[0]?.errors?.[0]?.extensions?.code);
    expect(codes).toContain('THROTTLED');
    await client.dispose();
  });

  it('refuses documents that are not subscriptions, and unknown streams', async () => {
    const client = wsClient(graph.gateway.url);
    const query = subscribeWs(client, '{ liveStream(id: "lvs_kfc_1") { title } }');
    const unknown = subscribeWs(client, small, { id: 'lvs_nope' });
    await Promise.all([query.done, unknown.done]);
    // Refused before it starts: graphql-ws answers with an error message.
    const { error } = await query.done;
    expect((error as { extensions?: { code?: string } }[])[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(unknown.events[0]?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await client.dispose();
  });
});

async function gatewayMetrics(): Promise<string> {
  return (await fetch(new URL('/metrics', graph.gateway.url))).text();
}
const subscriptionsActive = async () => counterTotal(await gatewayMetrics(), 'lifegraph_subscriptions_active');
const endedSlow = async () =>
  counterTotal(await gatewayMetrics(), 'lifegraph_subscriptions_ended_total', 'reason="SLOW_CONSUMER"');
