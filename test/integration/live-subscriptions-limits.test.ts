import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS } from '../../gateway/rate-limit/settings.ts';
import { FIXED } from '../../seeds/fixtures.ts';
import { recordEvent } from '../../subgraphs/shared/events/outbox.ts';
import type { SyncSqlite } from '../../subgraphs/shared/idempotency.ts';
import { useTestGraph } from '../support/graph.ts';
import { subscribeWs, within, wsClient } from '../support/subscriptions.ts';

// Small limits, so a slow client and a greedy one reach them quickly.
const previous = { ...process.env };
process.env.LIFEGRAPH_SUBSCRIPTIONS_QUEUE = '20';
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
    const user = { authorization: `Bearer ${await graph.tokenFor('usr_0201')}` };
    // Twenty-five aliases of the account's posts make each event tens of kilobytes: the socket fills quickly.
    const offers = Array.from(
      { length: 25 },
      (_, i) => `a${i}: account { name bio posts(first: 50) { edges { node { id title body media } } } }`,
    ).join(' ');
    const slowClient = wsClient(graph.gateway.url, user, false);
    let slowSocket: { pause(): void; resume(): void } | undefined;
    slowClient.on('connected', (socket) => {
      slowSocket = (socket as { _socket: { pause(): void; resume(): void } })._socket;
    });
    const slow = subscribeWs(
      slowClient,
      `subscription($id: ID!) { liveStreamUpdated(id: $id) { kind stream { ${offers} } } }`,
      {
        id: STREAM,
      },
    );
    const fastClient = wsClient(graph.gateway.url, user);
    const fast = subscribeWs(fastClient, small, { id: STREAM });
    await new Promise((resolve) => setTimeout(resolve, 800));
    // The slow client stops reading its socket.
    slowSocket?.pause();
    viewersChange(300);
    // Each event runs the slow client's large selection too: on a loaded machine that takes a while.
    await within(60_000, () => expect(fast.events.length).toBe(300));
    expect(fast.events.map((e) => e.data.liveStreamUpdated.kind)).toEqual(Array(300).fill('VIEWERS'));
    slowSocket?.resume();
    const { error } = await slow.done;
    // Told and disconnected (close code 1008 with the reason), far short of 300 events, none of them an error.
    const closed = error as { code?: number; reason?: string } | undefined;
    expect([closed?.code, closed?.reason]).toEqual([1008, expect.stringMatching(/^SLOW_CONSUMER: /)]);
    expect(slow.events.length).toBeLessThan(300);
    for (const event of slow.events) if (event.errors) expect(event.errors[0]?.extensions?.code).toBe('SLOW_CONSUMER');
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
