import { describe, expect, it } from 'vitest';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { type As, createTestClock, useTestGraph } from '../support/graph.ts';
import { KFC_CONTENT_STAFF } from '../support/identities.ts';
import { LIFE_FEED } from '../support/operations.ts';

/** Merchant publishing through the real gateway: posts reach followers' feeds, live streams move by state. */
const HOUR = 3_600_000;
const clock = createTestClock(new Date(SEED_EPOCH.getTime() + HOUR));
const graph = useTestGraph({ clock });

const later = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();

async function ok(query: string, variables: Record<string, unknown>, as: As = KFC_CONTENT_STAFF) {
  const { status, body } = await graph.query(query, { variables, as });
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  return body.data;
}

const PUBLISH = `#graphql
  mutation Publish($input: PublishPostInput!) {
    publishPost(input: $input) { post { id title publishedAt account { id }
      attachments { __typename ... on CouponTemplate { id title } ... on GroupBuyCampaign { id title }
        ... on MiniProgram { id name } } }
      userErrors { code field } } }`;
const post = (extra: Record<string, unknown> = {}) => ({
  accountId: 'la_kfc',
  kind: 'IMAGE_TEXT',
  title: 'Crispy Tuesday',
  body: 'Two for one.',
  media: ['https://img.lifegraph.dev/tuesday.jpg'],
  ...extra,
});
const postCount = () =>
  (graph.subgraphs.content.database.sqlite.prepare('select count(*) as n from posts').get() as { n: number }).n;

describe('publishPost', () => {
  it('puts the post at the top of a follower’s feed at once, attachments resolved by their subgraphs', async () => {
    const attachments = [
      { kind: 'COUPON_TEMPLATE', id: 'cpt_kfc_1' },
      { kind: 'GROUP_BUY_CAMPAIGN', id: 'gbc_kfc_1' },
      { kind: 'MINI_PROGRAM', id: 'mp_kfc' },
    ];
    const published = (await ok(PUBLISH, { input: post({ attachments }) })).publishPost;
    expect(published.userErrors).toEqual([]);
    expect(published.post.publishedAt).toBe(clock.now().toISOString());
    expect(published.post.attachments.map((a: { __typename: string; id: string }) => [a.__typename, a.id])).toEqual([
      ['CouponTemplate', 'cpt_kfc_1'],
      ['GroupBuyCampaign', 'gbc_kfc_1'],
      ['MiniProgram', 'mp_kfc'],
    ]);
    expect(published.post.attachments.every((a: { title?: string; name?: string }) => a.title ?? a.name)).toBe(true);

    const feed = await ok(
      `{ lifeChannelFeed(first: 1) { edges { node { id title account { id viewerIsFollowing } } } } }`,
      {},
      'usr_alice',
    );
    expect(feed.lifeChannelFeed.edges[0].node).toEqual({
      id: published.post.id,
      title: 'Crispy Tuesday',
      account: { id: 'la_kfc', viewerIsFollowing: true },
    });
  });

  it('validates attachments: at most three, the id prefix of their kind, each once; nothing written', async () => {
    const before = postCount();
    const tooMany = Array.from({ length: 4 }, (_, i) => ({ kind: 'COUPON_TEMPLATE', id: `cpt_kfc_${i + 1}` }));
    const wrong = [
      { kind: 'MINI_PROGRAM', id: 'cpt_kfc_1' },
      { kind: 'COUPON_TEMPLATE', id: 'cpt_kfc_1' },
      { kind: 'COUPON_TEMPLATE', id: 'cpt_kfc_1' },
    ];
    const d = await ok(
      `mutation($a: PublishPostInput!, $b: PublishPostInput!) {
        a: publishPost(input: $a) { post { id } userErrors { code field message } }
        b: publishPost(input: $b) { post { id } userErrors { code field } } }`,
      { a: post({ attachments: tooMany }), b: post({ attachments: wrong }) },
    );
    expect(d.a.post).toBeNull();
    expect(d.a.userErrors).toEqual([
      { code: 'INVALID_INPUT', field: ['input', 'attachments'], message: 'Give at most 3 attachments.' },
    ]);
    expect(d.b).toEqual({
      post: null,
      userErrors: [
        { code: 'INVALID_INPUT', field: ['input', 'attachments', '0', 'id'] },
        { code: 'INVALID_INPUT', field: ['input', 'attachments', '2', 'id'] },
      ],
    });
    expect(postCount()).toBe(before);
  });

  it('publishes once when ten retries with one idempotency key arrive at the same time', async () => {
    const before = postCount();
    const input = post({ title: 'Retry storm', idempotencyKey: 'publish-retry-1' });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => graph.query(PUBLISH, { variables: { input }, as: KFC_CONTENT_STAFF })),
    );
    expect(results.every((r) => r.status === 200 && !r.body.errors)).toBe(true);
    const ids = new Set(results.map((r) => r.body.data.publishPost.post.id));
    expect(ids.size).toBe(1);
    expect(postCount()).toBe(before + 1);
    const reused = await ok(PUBLISH, { input: { ...input, title: 'Changed' } });
    expect(reused.publishPost).toEqual({
      post: null,
      userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] }],
    });
  });

  it('reports an unknown account as NOT_FOUND', async () => {
    const d = await ok(PUBLISH, { input: post({ accountId: 'la_nope' }) });
    expect(d.publishPost).toEqual({ post: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'accountId'] }] });
  });
});

const SCHEDULE = `#graphql
  mutation Schedule($at: DateTime!) {
    scheduleLiveStream(input: { accountId: "la_kfc", title: "Late-night deals", scheduledAt: $at,
      featuredOffers: [{ kind: COUPON_TEMPLATE, id: "cpt_kfc_1" }, { kind: GROUP_BUY_CAMPAIGN, id: "gbc_kfc_1" }] }) {
      liveStream { id status scheduledAt startedAt featuredOffers { __typename ... on CouponTemplate { title } } }
      userErrors { code field } } }`;
const MOVE = `#graphql
  mutation Move($id: ID!) {
    start: startLiveStream(liveStreamId: $id) { liveStream { status startedAt endedAt } userErrors { code } } }`;
const END = `#graphql
  mutation End($id: ID!) { endLiveStream(liveStreamId: $id) { liveStream { status startedAt endedAt } userErrors { code } } }`;
const schedule = async (inMs: number) => (await ok(SCHEDULE, { at: later(inMs) })).scheduleLiveStream;

describe('live streams', () => {
  it('are scheduled only later than now', async () => {
    const past = await schedule(0);
    expect(past).toEqual({
      liveStream: null,
      userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'scheduledAt'] }],
    });
    const next = await schedule(HOUR);
    expect(next.userErrors).toEqual([]);
    expect(next.liveStream).toMatchObject({ status: 'SCHEDULED', startedAt: null, scheduledAt: later(HOUR) });
    expect(next.liveStream.featuredOffers).toEqual([
      { __typename: 'CouponTemplate', title: expect.any(String) },
      { __typename: 'GroupBuyCampaign' },
    ]);
  });

  it('go SCHEDULED → LIVE → ENDED; any other move is INVALID_STATE and changes nothing', async () => {
    const { id } = (await schedule(HOUR)).liveStream;
    const notLive = await ok(END, { id });
    expect(notLive.endLiveStream).toEqual({
      liveStream: { status: 'SCHEDULED', startedAt: null, endedAt: null },
      userErrors: [{ code: 'INVALID_STATE' }],
    });
    const startedAt = clock.now().toISOString();
    expect((await ok(MOVE, { id })).start).toEqual({
      liveStream: { status: 'LIVE', startedAt, endedAt: null },
      userErrors: [],
    });
    expect((await ok(MOVE, { id })).start.userErrors).toEqual([{ code: 'INVALID_STATE' }]);
    clock.advance(HOUR);
    const ended = await ok(END, { id });
    expect(ended.endLiveStream).toEqual({
      liveStream: { status: 'ENDED', startedAt, endedAt: clock.now().toISOString() },
      userErrors: [],
    });
    expect((await ok(END, { id })).endLiveStream.userErrors).toEqual([{ code: 'INVALID_STATE' }]);
    expect((await ok(MOVE, { id })).start.liveStream.status).toBe('ENDED');
  });

  it('start once when ten requests race to start the same stream', async () => {
    const { id } = (await schedule(HOUR)).liveStream;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => graph.query(MOVE, { variables: { id }, as: KFC_CONTENT_STAFF })),
    );
    expect(results.every((r) => r.status === 200 && !r.body.errors)).toBe(true);
    const codes = results.map((r) => r.body.data.start.userErrors[0]?.code ?? 'OK').sort();
    expect(codes).toEqual([...Array(9).fill('INVALID_STATE'), 'OK']);
    const startedAts = new Set(results.map((r) => r.body.data.start.liveStream.startedAt));
    expect(startedAts.size).toBe(1);
  });

  it('a SCHEDULED stream that never started is ENDED by the no-show job 24 hours after its time, once', async () => {
    const { id, scheduledAt } = (await schedule(HOUR)).liveStream;
    const row = () =>
      graph.subgraphs.content.database.sqlite
        .prepare('select status, started_at as startedAt, ended_at as endedAt from live_streams where id = ?')
        .get(id);
    clock.set(new Date(new Date(scheduledAt).getTime() + 24 * HOUR));
    graph.runJobs();
    expect(row()).toEqual({ status: 'SCHEDULED', startedAt: null, endedAt: null });
    clock.advance(1);
    const runs = graph.runJobs().filter((r) => r.job === 'live-stream-no-shows');
    expect(runs).toEqual([{ job: 'live-stream-no-shows', processed: 1 }]);
    expect(row()).toEqual({ status: 'ENDED', startedAt: null, endedAt: clock.now().getTime() });
    expect(graph.runJobs().find((r) => r.job === 'live-stream-no-shows')?.processed).toBe(0);
    const seeded = await ok(`{ liveStream(id: "lvs_kfc_2") { status } }`, {});
    expect(seeded.liveStream.status).toBe('SCHEDULED');
  });
});

describe('tagged stores', () => {
  it('take the store directory’s location, and only a store of the account’s merchant', async () => {
    clock.advance(1);
    const TAG = `#graphql
      mutation Tag($input: PublishPostInput!) {
        publishPost(input: $input) { post { id store { id name } } userErrors { code field } } }`;
    const tagged = (await ok(TAG, { input: post({ title: 'By the lake', storeId: 'sto_kfc_hz_1' }) })).publishPost;
    expect(tagged).toMatchObject({ post: { store: { id: 'sto_kfc_hz_1', name: expect.any(String) } }, userErrors: [] });
    const row = graph.subgraphs.content.database.sqlite
      .prepare('select lat, lng from posts where id = ?')
      .get(tagged.post.id);
    expect(row).toEqual({ lat: 30.2592, lng: 120.1484 });
    const near = await ok(
      `{ lifeChannelFeed(first: 1, near: { lat: 30.2591, lng: 120.1488 }) { edges { node { id } } } }`,
      {},
    );
    expect(near.lifeChannelFeed.edges[0].node.id).toBe(tagged.post.id);

    const before = postCount();
    for (const [storeId, code] of [
      ['sto_nope', 'NOT_FOUND'],
      ['sto_newhope_hz_1', 'STORE_NOT_OWNED'],
    ]) {
      expect((await ok(TAG, { input: post({ storeId }) })).publishPost).toEqual({
        post: null,
        userErrors: [{ code, field: ['input', 'storeId'] }],
      });
    }
    expect(postCount()).toBe(before);
    const sentLocation = await graph.query(TAG, {
      variables: { input: post({ store: { id: 'sto_kfc_hz_1', location: { lat: 0, lng: 0 } } }) },
      as: KFC_CONTENT_STAFF,
    });
    expect(sentLocation.status).toBe(400);
    expect(postCount()).toBe(before);
  });
});

describe('dangling offer references', () => {
  // The client operations of issue #2: one offer that no longer exists must not take the page down.
  // LiveRoom as the client sends it, plus featuredOfferIds (what offers' LiveStream.sales @requires).
  const LIVE_ROOM = `#graphql
    query LiveRoom($id: ID!) {
      liveStream(id: $id) { id title status viewerCount
        account { name merchant { name } }
        featuredOffers { __typename ... on CouponTemplate { id title } ... on GroupBuyCampaign { id title } }
        featuredOfferIds
      }
    }`;

  it('null only the attachment whose offer does not exist; the feed and the post still come back', async () => {
    clock.advance(1);
    const attachments = [
      { kind: 'COUPON_TEMPLATE', id: 'cpt_doesnotexist' },
      { kind: 'COUPON_TEMPLATE', id: 'cpt_kfc_1' },
      { kind: 'MINI_PROGRAM', id: 'mp_kfc' },
    ];
    const published = (await ok(PUBLISH, { input: post({ title: 'Dangling', attachments }) })).publishPost;
    expect(published.userErrors).toEqual([]);

    const { status, body } = await graph.query(LIFE_FEED, { variables: { first: 5 }, as: 'usr_alice' });
    expect(status).toBe(200);
    const edges = body.data.lifeChannelFeed.edges;
    expect(edges).toHaveLength(5);
    expect(edges[0].node).toMatchObject({ id: published.post.id, title: 'Dangling', account: { id: 'la_kfc' } });
    expect(edges[0].node.attachments).toEqual([
      null,
      expect.objectContaining({ __typename: 'CouponTemplate', id: 'cpt_kfc_1', title: expect.any(String) }),
      expect.objectContaining({ __typename: 'MiniProgram', name: expect.any(String) }),
    ]);
    expect(edges.slice(1).every((e: { node: { title: string } }) => e.node.title)).toBe(true);
    // The gateway nulls the item quietly; should it ever report it, the error must point at the item alone.
    for (const error of body.errors ?? []) {
      expect(error.path?.slice(0, 6)).toEqual(['lifeChannelFeed', 'edges', 0, 'node', 'attachments', 0]);
    }
  });

  it('null only the featured offer that does not exist in a live room', async () => {
    const SCHEDULE_DANGLING = `#graphql
      mutation Schedule($at: DateTime!) {
        scheduleLiveStream(input: { accountId: "la_kfc", title: "Ghost deals", scheduledAt: $at,
          featuredOffers: [{ kind: GROUP_BUY_CAMPAIGN, id: "gbc_doesnotexist" }, { kind: COUPON_TEMPLATE, id: "cpt_kfc_1" }] }) {
          liveStream { id } userErrors { code } } }`;
    const { id } = (await ok(SCHEDULE_DANGLING, { at: later(HOUR) })).scheduleLiveStream.liveStream;
    const { status, body } = await graph.query(LIVE_ROOM, { variables: { id } });
    expect(status).toBe(200);
    expect(body.data.liveStream).toMatchObject({
      id,
      title: 'Ghost deals',
      account: { name: 'KFC', merchant: { name: 'KFC' } },
      featuredOffers: [null, { __typename: 'CouponTemplate', id: 'cpt_kfc_1', title: expect.any(String) }],
      featuredOfferIds: ['gbc_doesnotexist', 'cpt_kfc_1'],
    });
    for (const error of body.errors ?? []) expect(error.path?.slice(0, 3)).toEqual(['liveStream', 'featuredOffers', 0]);
  });
});
