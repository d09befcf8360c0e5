import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS } from '../../gateway/rate-limit/settings.ts';
import { FIXED } from '../../seeds/fixtures.ts';
import { useTestGraph } from '../support/graph.ts';
import { counterTotal, subscribeSse, subscribeWs, within, wsClient } from '../support/subscriptions.ts';

// 500 anonymous subscribers come from one address: this suite raises the per-caller limit (default 200).
const previousLimit = process.env.LIFEGRAPH_SUBSCRIPTIONS_PER_CALLER;
process.env.LIFEGRAPH_SUBSCRIPTIONS_PER_CALLER = '1000';
afterAll(() => {
  if (previousLimit === undefined) delete process.env.LIFEGRAPH_SUBSCRIPTIONS_PER_CALLER;
  else process.env.LIFEGRAPH_SUBSCRIPTIONS_PER_CALLER = previousLimit;
});

// A subscription's start is charged like a query: 500 anonymous starts from one address need a larger bucket
// than the default (rate-limited starts are tested in live-subscriptions-limits.test.ts).
const graph = useTestGraph({
  rateLimits: {
    ...DEFAULT_RATE_LIMITS,
    buckets: { ...DEFAULT_RATE_LIMITS.buckets, anonymous: { pointsPerSecond: 10_000, bucketPoints: 1_000_000 } },
  },
});
const STREAM = FIXED.kfcLiveStream;
let template: string;
let claims = 0;

/** Claims a coupon of the featured template from the stream, as `user`, through the gateway. */
async function claim(user: string) {
  claims += 1;
  const { body } = await graph.query(
    /* GraphQL */ `mutation Claim($input: ClaimCouponInput!) { claimCoupon(input: $input) { coupon { id } userErrors { code } } }`,
    {
      as: user,
      variables: { input: { templateId: template, liveStreamId: STREAM, idempotencyKey: `live-${claims}` } },
    },
  );
  expect(body.errors).toBeUndefined();
  expect(body.data.claimCoupon.userErrors).toEqual([]);
  return body.data.claimCoupon.coupon.id as string;
}

const contentRequests = async () =>
  counterTotal(
    await (await fetch(new URL('/metrics', graph.subgraphs.content.url))).text(),
    'lifegraph_subgraph_requests_total',
  );

beforeAll(async () => {
  const { body } = await graph.query(
    /* GraphQL */ `query Featured($id: ID!) { liveStream(id: $id) { featuredOfferIds featuredOffers { ... on CouponTemplate { id } } } }`,
    { variables: { id: STREAM } },
  );
  template = body.data.liveStream.featuredOffers.find((o: { id?: string }) => o?.id?.startsWith('cpt_')).id;
});

const ACROSS_SUBGRAPHS = /* GraphQL */ `
  subscription Room($id: ID!) {
    liveStreamUpdated(id: $id) {
      kind
      at
      stream {
        title
        status
        sales { fen }
        featuredOffers { ... on CouponTemplate { id remainingStock } }
        account { merchant { name } }
      }
    }
  }
`;

const stockOf = (event: {
  data?: { liveStreamUpdated: { stream: { featuredOffers: { id?: string; remainingStock?: number }[] } } };
}) => event.data?.liveStreamUpdated.stream.featuredOffers.find((o) => o?.id === template)?.remainingStock;

describe('liveStreamUpdated', () => {
  it('delivers a claim of a featured coupon as a stock event with fields of three subgraphs, over WebSocket and SSE, within a second', async () => {
    const before = (await graph.query(`{ couponTemplate(id: "${template}") { remainingStock } }`)).body.data
      .couponTemplate.remainingStock as number;
    const client = wsClient(graph.gateway.url);
    const ws = subscribeWs(client, ACROSS_SUBGRAPHS, { id: STREAM });
    const sse = subscribeSse(graph.gateway.url, ACROSS_SUBGRAPHS, { id: STREAM });
    expect(await sse.status).toBe(200);
    // Both are subscribed once the gateway counts them.
    await within(3000, async () => expect(await gaugeActive()).toBeGreaterThanOrEqual(2));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const claimedAt = Date.now();
    await claim('usr_0401');
    for (const subscriber of [ws, sse]) {
      await within(1000, () => expect(subscriber.events.length).toBe(1));
      const [event] = subscriber.events;
      expect(event?.errors).toBeUndefined();
      expect(event?.data.liveStreamUpdated).toMatchObject({
        kind: 'STOCK',
        stream: {
          title: expect.any(String),
          sales: { fen: expect.any(Number) },
          account: { merchant: { name: 'KFC' } },
        },
      });
      expect(stockOf(event as never)).toBe(before - 1);
    }
    expect(Date.now() - claimedAt).toBeLessThan(1000);
    ws.stop();
    sse.stop();
    await client.dispose();
  });

  it('refuses a field the subscriber may not read in each event, and delivers the rest', async () => {
    const client = wsClient(graph.gateway.url);
    const sub = subscribeWs(
      client,
      `subscription($id: ID!) { liveStreamUpdated(id: $id) { kind stream { title account { merchant { name settlementRateBps } } } } }`,
      { id: STREAM },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await claim('usr_0402');
    await claim('usr_0403');
    await within(2000, () => expect(sub.events.length).toBe(2));
    for (const event of sub.events) {
      expect(event.data.liveStreamUpdated.stream.account.merchant).toEqual({ name: 'KFC', settlementRateBps: null });
      expect(event.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([
        ['UNAUTHENTICATED', ['liveStreamUpdated', 'stream', 'account', 'merchant', 'settlementRateBps']],
      ]);
    }
    sub.stop();
    await client.dispose();
  });

  it('gives 500 subscribers every event in order, with one content fetch per event per distinct selection', async () => {
    const selections = [
      `subscription($id: ID!) { liveStreamUpdated(id: $id) { kind at stream { title viewerCount } } }`,
      `subscription($id: ID!) { liveStreamUpdated(id: $id) { at stream { featuredOffers { ... on CouponTemplate { id remainingStock } } } } }`,
    ];
    // 25 connections of 20 subscriptions each (the per-connection limit), alternating the two selections.
    const clients = Array.from({ length: 25 }, () => wsClient(graph.gateway.url));
    const subscribers = clients.flatMap((client) =>
      Array.from({ length: 20 }, (_, i) => subscribeWs(client, selections[i % 2] as string, { id: STREAM })),
    );
    await within(10_000, async () => expect(await gaugeActive()).toBeGreaterThanOrEqual(500)).catch((error) => {
      throw new Error(
        `${error.message}; refused: ${JSON.stringify(subscribers.find((s) => s.events.length > 0)?.events)}`,
      );
    });
    const fetchesBefore = await contentRequests();
    const stockBefore = (await graph.query(`{ couponTemplate(id: "${template}") { remainingStock } }`)).body.data
      .couponTemplate.remainingStock as number;
    const events = 3;
    for (let i = 0; i < events; i++) await claim(`usr_${String(i + 1).padStart(4, '0')}`);
    await within(5000, () => {
      for (const s of subscribers) expect(s.events.length).toBe(events);
    });
    // Every subscriber has the three events in the order of the claims; an event shows the stream as it is once
    // resolved, so the last one shows all three claims.
    const times = subscribers.map((s) => s.events.map((e) => e.data.liveStreamUpdated.at as string));
    const first = times[0] as string[];
    expect([...first].sort()).toEqual(first);
    for (const order of times) expect(order).toEqual(first);
    for (const s of subscribers.filter((_, i) => i % 2 === 1))
      expect(stockOf(s.events[2] as never)).toBe(stockBefore - 3);
    for (const s of subscribers) for (const e of s.events) expect(e.errors).toBeUndefined();
    expect((await contentRequests()) - fetchesBefore).toBe(events * selections.length);
    for (const s of subscribers) s.stop();
    await Promise.all(clients.map((c) => c.dispose()));
  });
});

describe('myWallet', () => {
  const WALLET = `subscription { myWallet { kind coupon { id status template { id } } } }`;

  it('delivers a user’s own coupon claim to them only', async () => {
    const alice = wsClient(graph.gateway.url, { authorization: `Bearer ${await graph.tokenFor('usr_0404')}` });
    const bob = wsClient(graph.gateway.url, { authorization: `Bearer ${await graph.tokenFor('usr_0405')}` });
    const aliceSub = subscribeWs(alice, WALLET);
    const bobSub = subscribeWs(bob, WALLET);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const coupon = await claim('usr_0404');
    await within(2000, () => expect(aliceSub.events.length).toBe(1));
    expect(aliceSub.events[0]).toEqual({
      data: {
        myWallet: { kind: 'COUPON_CLAIMED', coupon: { id: coupon, status: 'AVAILABLE', template: { id: template } } },
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bobSub.events).toEqual([]);
    aliceSub.stop();
    bobSub.stop();
    await Promise.all([alice.dispose(), bob.dispose()]);
  });

  it('is refused without a user token', async () => {
    const client = wsClient(graph.gateway.url);
    const { done, events } = subscribeWs(client, WALLET);
    expect(await done).toEqual({});
    expect(events.map((e) => [e.data ?? null, e.errors?.[0]?.extensions?.code])).toEqual([[null, 'UNAUTHENTICATED']]);
    await client.dispose();
  });

  it('ends with UNAUTHENTICATED when the token expires', async () => {
    const token = await graph.tokenFor({ user: 'usr_carol', expiresIn: '2s' });
    const sse = subscribeSse(graph.gateway.url, WALLET, undefined, { authorization: `Bearer ${token}` });
    expect(await sse.status).toBe(200);
    const started = Date.now();
    expect(await sse.done).toEqual({});
    expect(Date.now() - started).toBeLessThan(3500);
    expect(sse.events.at(-1)?.errors?.[0]).toMatchObject({
      message: expect.stringContaining('expired'),
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});

async function gaugeActive(): Promise<number> {
  const text = await (await fetch(new URL('/metrics', graph.gateway.url))).text();
  return counterTotal(text, 'lifegraph_subscriptions_active');
}
