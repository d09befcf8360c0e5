import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { type As, createTestClock, startTestGraph, type TestGraph } from '../support/graph.ts';

/** Merchant publishing through the real gateway: posts reach followers' feeds, live streams move by state. */
let graph: TestGraph;
const HOUR = 3_600_000;
const clock = createTestClock(new Date(SEED_EPOCH.getTime() + HOUR));
beforeAll(async () => {
  graph = await startTestGraph({ clock });
});
afterAll(async () => {
  await graph?.stop();
});

const kfcStaff: As = { user: 'usr_0001', scopes: ['merchant:content'], merchants: ['mer_kfc'] };
const later = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();

async function ok(query: string, variables: Record<string, unknown>, as: As = kfcStaff) {
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
      Array.from({ length: 10 }, () => graph.query(PUBLISH, { variables: { input }, as: kfcStaff })),
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
      Array.from({ length: 10 }, () => graph.query(MOVE, { variables: { id }, as: kfcStaff })),
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
