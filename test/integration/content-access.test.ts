import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { type As, createTestClock, denials, useTestGraph, withKey } from '../support/graph.ts';
import { KFC_CONTENT_STAFF, staff } from '../support/identities.ts';

/**
 * The content subgraph's access matrix (issue #3) through the real gateway: each row asserts the HTTP
 * status, the error code and path, the data that did come back, and that nothing changed when refused.
 * UNAUTHENTICATED/FORBIDDEN for a missing identity or scope come from the gateway (the directives);
 * FORBIDDEN for the wrong merchant or another user's lists comes from the subgraph's own checks.
 */
let keys: ApiKeyStore;
const clock = createTestClock(new Date(SEED_EPOCH.getTime() + 3_600_000));
const graph = useTestGraph({ clock });
beforeAll(() => {
  keys = new ApiKeyStore(graph.dataDir);
});
afterAll(() => {
  keys?.close();
});

/** Every row a content mutation can write, and the seeded streams' states: equal before and after a refusal. */
function snapshot() {
  return graph.subgraphs.content.database.sqlite
    .prepare(
      `select (select count(*) from posts) as posts, (select count(*) from post_attachments) as attachments,
        (select count(*) from live_streams) as streams, (select count(*) from live_stream_offers) as offers,
        (select count(*) from follows) as follows, (select count(*) from post_likes) as likes,
        (select count(*) from post_favorites) as favorites, (select count(*) from post_shares) as shares,
        (select count(*) from comments) as comments,
        (select group_concat(id || ':' || status) from live_streams where account_id = 'la_kfc') as kfcStreams`,
    )
    .get();
}

const CREATE = `
    publishPost(input: { accountId: $account, kind: IMAGE_TEXT, title: "Matrix", body: "", media: [],
      attachments: [{ kind: COUPON_TEMPLATE, id: "cpt_kfc_1" }] }) { post { id } userErrors { code } }
    scheduleLiveStream(input: { accountId: $account, title: "Matrix live", scheduledAt: $at }) {
      liveStream { id } userErrors { code } }`;
const MOVE = `
    startLiveStream(liveStreamId: "lvs_kfc_2") { liveStream { status } userErrors { code } }
    endLiveStream(liveStreamId: "lvs_kfc_1") { liveStream { status } userErrors { code } }`;
const MERCHANT_FIELDS = ['publishPost', 'scheduleLiveStream', 'startLiveStream', 'endLiveStream'];
const inAnHour = () => new Date(clock.now().getTime() + 3_600_000).toISOString();
/** All four merchant mutations against KFC (seeded streams), or only the two that create rows. */
const merchantOps = (options: { as?: As; headers?: Record<string, string> }, account = 'la_kfc', move = true) =>
  graph.query(`mutation Merchant($account: ID!, $at: DateTime!) { ${CREATE} ${move ? MOVE : ''} }`, {
    variables: { account, at: inAnHour() },
    ...options,
  });

const USER_OPS = `#graphql
  mutation User {
    followLifeAccount(accountId: "la_muji") { lifeAccount { id } }
    unfollowLifeAccount(accountId: "la_kfc") { lifeAccount { id } }
    likePost(postId: "pst_kfc_2") { post { likeCount } }
    unlikePost(postId: "pst_kfc_1") { post { likeCount } }
    favoritePost(postId: "pst_kfc_2") { post { favoriteCount } }
    unfavoritePost(postId: "pst_kfc_1") { post { favoriteCount } }
    sharePost(postId: "pst_kfc_2") { post { shareCount } }
    commentOnPost(postId: "pst_kfc_2", body: "Nice") { comment { id } }
  }`;
const USER_FIELDS = [
  'followLifeAccount',
  'unfollowLifeAccount',
  'likePost',
  'unlikePost',
  'favoritePost',
  'unfavoritePost',
  'sharePost',
  'commentOnPost',
];

const LISTS = `#graphql
  { user(id: "usr_alice") { id following(first: 5) { edges { node { id } } }
      favoritePosts(first: 5) { edges { node { id } } } }
    post(id: "pst_kfc_1") { id likeCount viewerHasLiked viewerHasFavorited account { viewerIsFollowing } } }`;

describe('anonymous', () => {
  it('merchant mutations: null with UNAUTHENTICATED at each path, nothing written', async () => {
    const before = snapshot();
    const { status, body } = await merchantOps({});
    expect(status).toBe(200);
    expect(body.data).toEqual(Object.fromEntries(MERCHANT_FIELDS.map((f) => [f, null])));
    expect(denials(body)).toEqual(MERCHANT_FIELDS.map((f) => ['UNAUTHENTICATED', [f]]));
    expect(snapshot()).toEqual(before);
  });

  it('user mutations: null with UNAUTHENTICATED at each path, nothing written', async () => {
    const before = snapshot();
    const { status, body } = await graph.query(USER_OPS);
    expect(status).toBe(200);
    expect(body.data).toEqual(Object.fromEntries(USER_FIELDS.map((f) => [f, null])));
    expect(denials(body)).toEqual(USER_FIELDS.map((f) => ['UNAUTHENTICATED', [f]]));
    expect(snapshot()).toEqual(before);
  });

  it('a user’s following and favorites: null with UNAUTHENTICATED; the public catalogue and false viewer fields still come back', async () => {
    const { status, body } = await graph.query(LISTS);
    expect(status).toBe(200);
    expect(body.data.user).toEqual({ id: 'usr_alice', following: null, favoritePosts: null });
    expect(body.data.post).toMatchObject({
      id: 'pst_kfc_1',
      viewerHasLiked: false,
      viewerHasFavorited: false,
      account: { viewerIsFollowing: false },
    });
    expect(denials(body)).toEqual([
      ['UNAUTHENTICATED', ['user', 'following']],
      ['UNAUTHENTICATED', ['user', 'favoritePosts']],
    ]);
  });
});

describe('a user', () => {
  it('reads their own following and favorites', async () => {
    const { status, body } = await graph.query(LISTS, { as: 'usr_alice' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.user.following.edges.map((e: { node: { id: string } }) => e.node.id)).toContain('la_kfc');
    expect(body.data.user.favoritePosts.edges).toEqual([{ node: { id: 'pst_kfc_1' } }]);
    expect(body.data.post.account.viewerIsFollowing).toBe(true);
  });

  it('cannot read another user’s following and favorites: null with FORBIDDEN from the subgraph', async () => {
    const { status, body } = await graph.query(LISTS, { as: 'usr_bob' });
    expect(status).toBe(200);
    expect(body.data.user).toEqual({ id: 'usr_alice', following: null, favoritePosts: null });
    expect(body.data.post.id).toBe('pst_kfc_1');
    expect(denials(body)).toEqual([
      ['FORBIDDEN', ['user', 'following']],
      ['FORBIDDEN', ['user', 'favoritePosts']],
    ]);
  });

  it('without merchant:content: merchant mutations null with FORBIDDEN, nothing written', async () => {
    for (const as of ['usr_bob', { user: 'usr_0001', scopes: ['merchant:offers'], merchants: ['mer_kfc'] }]) {
      const before = snapshot();
      const { status, body } = await merchantOps({ as });
      expect(status).toBe(200);
      expect(body.data).toEqual(Object.fromEntries(MERCHANT_FIELDS.map((f) => [f, null])));
      expect(denials(body)).toEqual(MERCHANT_FIELDS.map((f) => ['FORBIDDEN', [f]]));
      expect(snapshot()).toEqual(before);
    }
  });

  it('runs every user mutation', async () => {
    const { status, body } = await graph.query(USER_OPS, { as: 'usr_carol' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.commentOnPost.comment.id).toMatch(/^cmt_/);
    const rows = graph.subgraphs.content.database.sqlite
      .prepare(`select (select count(*) from follows where user_id = 'usr_carol' and account_id = 'la_muji') as follow,
        (select count(*) from post_likes where user_id = 'usr_carol' and post_id = 'pst_kfc_2') as liked`)
      .get();
    expect(rows).toEqual({ follow: 1, liked: 1 });
  });
});

describe('merchant staff', () => {
  const otherStaff = staff('usr_0001', ['merchant:content'], ['mer_newhope']);

  it('of another merchant: null with FORBIDDEN at each path from the subgraph, nothing written', async () => {
    const before = snapshot();
    const { status, body } = await merchantOps({ as: otherStaff });
    expect(status).toBe(200);
    expect(body.data).toEqual(Object.fromEntries(MERCHANT_FIELDS.map((f) => [f, null])));
    expect(denials(body)).toEqual(MERCHANT_FIELDS.map((f) => ['FORBIDDEN', [f]]));
    expect(body.errors?.[0]?.message).toMatch(/mer_kfc/);
    expect(snapshot()).toEqual(before);
  });

  it('cannot publish to a creator or government account, even with the scope', async () => {
    for (const account of ['la_creator_1', 'la_gov_hz_culture']) {
      const before = snapshot();
      const { status, body } = await merchantOps({ as: KFC_CONTENT_STAFF }, account, false);
      expect(status).toBe(200);
      expect(body.data).toEqual({ publishPost: null, scheduleLiveStream: null });
      expect(denials(body)).toEqual([
        ['FORBIDDEN', ['publishPost']],
        ['FORBIDDEN', ['scheduleLiveStream']],
      ]);
      expect(body.errors?.[0]?.message).toMatch(/belongs to no merchant/);
      expect(snapshot()).toEqual(before);
    }
  });

  it('of the merchant, with the scope: the post and the stream exist', async () => {
    const { status, body } = await merchantOps({ as: KFC_CONTENT_STAFF }, 'la_kfc', false);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.publishPost.userErrors).toEqual([]);
    const row = graph.subgraphs.content.database.sqlite
      .prepare('select account_id, published_by_user_id from posts where id = ?')
      .get(body.data.publishPost.post.id);
    expect(row).toEqual({ account_id: 'la_kfc', published_by_user_id: 'usr_0001' });
    expect(body.data.scheduleLiveStream.liveStream.id).toMatch(/^lvs_/);
  });
});

describe('partner API keys', () => {
  const key = (scopes: string[], merchants: string[]) =>
    keys.create({ name: `content ${scopes.join(',')}`, scopes, merchants, expiresAt: null }).key;
  const PUBLISH = `#graphql
    mutation { publishPost(input: { accountId: "la_kfc", kind: SHORT_VIDEO, title: "Partner", body: "", media: [] }) {
      post { id account { id } } userErrors { code } } }`;

  it('without the scope: FORBIDDEN at the gateway; without KFC on the allow-list: FORBIDDEN from the subgraph', async () => {
    for (const k of [key(['merchant:offers'], ['mer_kfc']), key(['merchant:content'], ['mer_newhope'])]) {
      const before = snapshot();
      const { status, body } = await graph.query(PUBLISH, withKey(k));
      expect(status).toBe(200);
      expect(body.data).toEqual({ publishPost: null });
      expect(denials(body)).toEqual([['FORBIDDEN', ['publishPost']]]);
      expect(snapshot()).toEqual(before);
    }
  });

  it('with the scope and KFC on the allow-list: publishes as the key', async () => {
    const { status, body } = await graph.query(PUBLISH, withKey(key(['merchant:content'], ['mer_kfc'])));
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.publishPost.post.account.id).toBe('la_kfc');
    const row = graph.subgraphs.content.database.sqlite
      .prepare('select published_by_user_id from posts where id = ?')
      .get(body.data.publishPost.post.id) as { published_by_user_id: string };
    expect(row.published_by_user_id).toMatch(/^key_/);
  });

  it('is not a user: user mutations and a user’s lists are null with UNAUTHENTICATED, nothing written', async () => {
    // The gateway lets a key through @authenticated (it is an identity); the subgraph's requireUser refuses it
    // with a field error, so each refusal keeps its path.
    const k = key(['merchant:content'], ['mer_kfc']);
    const before = snapshot();
    const mutation = await graph.query(USER_OPS, withKey(k));
    expect(mutation.status).toBe(200);
    expect(mutation.body.data).toEqual(Object.fromEntries(USER_FIELDS.map((f) => [f, null])));
    expect(denials(mutation.body)).toHaveLength(USER_FIELDS.length);
    expect(denials(mutation.body)).toEqual(expect.arrayContaining(USER_FIELDS.map((f) => ['UNAUTHENTICATED', [f]])));
    expect(snapshot()).toEqual(before);
    const lists = await graph.query(LISTS, withKey(k));
    expect(lists.status).toBe(200);
    expect(lists.body.data.user).toEqual({ id: 'usr_alice', following: null, favoritePosts: null });
    expect(lists.body.data.post.id).toBe('pst_kfc_1');
    expect(denials(lists.body)).toEqual(
      expect.arrayContaining([
        ['UNAUTHENTICATED', ['user', 'following']],
        ['UNAUTHENTICATED', ['user', 'favoritePosts']],
      ]),
    );
  });
});
