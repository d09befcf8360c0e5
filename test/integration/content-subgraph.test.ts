import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld } from '../../seeds/world.ts';
import { writeContent } from '../../seeds/write-content.ts';
import { content } from '../../subgraphs/content/index.ts';
import type * as tables from '../../subgraphs/content/tables.ts';
import { ANONYMOUS } from '../../subgraphs/contract/identity.ts';
import type { StartedSubgraph } from '../../subgraphs/shared/server.ts';
import { ALICE, BOB, BOB_KFC_CONTENT_STAFF } from '../support/identities.ts';
import { WEST_LAKE } from '../support/operations.ts';
import { postToSubgraph, querySubgraph, SUBGRAPH_TEST_SECRET, startSeededSubgraph } from '../support/subgraph.ts';

let server: StartedSubgraph<typeof tables>;

beforeAll(async () => {
  server = await startSeededSubgraph(content, (db) => writeContent(db, buildWorld(1)));
});
afterAll(async () => server?.stop());

// biome-ignore lint/suspicious/noExplicitAny: test responses are checked by shape
type Result = { data?: any; errors?: { message: string; path?: string[]; extensions: { code: string } }[] };

async function gql(query: string, variables: Record<string, unknown> = {}, identity = ALICE) {
  return (await querySubgraph<Result>(server.url, SUBGRAPH_TEST_SECRET, identity, { query, variables })).body;
}

async function data(query: string, variables: Record<string, unknown> = {}, identity = ALICE) {
  const result = await gql(query, variables, identity);
  expect(result.errors).toBeUndefined();
  return result.data;
}

const FEED = /* GraphQL */ `#graphql
  query Feed($first: Int!, $after: String, $near: GeoPointInput) {
    lifeChannelFeed(first: $first, after: $after, near: $near) {
      edges { cursor node { id title publishedAt likeCount viewerHasLiked viewerHasFavorited store { id }
        account { id kind followerCount viewerIsFollowing merchant { id } }
        attachments { __typename ... on CouponTemplate { id } ... on GroupBuyCampaign { id } ... on MiniProgram { id } }
        comments(first: 2) { edges { node { id body author { id } } } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

describe('queries', () => {
  it('reads a life account with its merchant, posts and live streams', async () => {
    const d = await data(`#graphql
      { lifeAccount(id: "la_kfc") { id kind name followerCount viewerIsFollowing merchant { id }
          posts(first: 2) { edges { node { id } } pageInfo { hasNextPage } }
          liveStreams(first: 5) { edges { node { id status } } } } }`);
    expect(d.lifeAccount).toMatchObject({
      id: 'la_kfc',
      kind: 'BRAND',
      name: 'KFC',
      viewerIsFollowing: true,
      merchant: { id: 'mer_kfc' },
      posts: { edges: [{ node: { id: 'pst_kfc_1' } }, { node: { id: 'pst_kfc_2' } }], pageInfo: { hasNextPage: true } },
    });
    expect(d.lifeAccount.followerCount).toBeGreaterThanOrEqual(2);
    expect(d.lifeAccount.liveStreams.edges).toHaveLength(3);
  });

  it('lists accounts by kind and streams by status', async () => {
    const d = await data(`#graphql
      { lifeAccounts(kind: GOVERNMENT) { edges { node { id kind } } }
        liveStreams(status: LIVE, first: 3) { edges { node { id status } } pageInfo { hasNextPage } } }`);
    expect(d.lifeAccounts.edges).toEqual([{ node: { id: 'la_gov_hz_culture', kind: 'GOVERNMENT' } }]);
    expect(d.liveStreams.edges).toHaveLength(3);
    expect(d.liveStreams.pageInfo.hasNextPage).toBe(true);
  });

  it('reads a post with attachments, comments and viewer flags', async () => {
    const d = await data(`#graphql
      { post(id: "pst_kfc_1") { id kind media likeCount commentCount viewerHasLiked viewerHasFavorited
          account { id } store { id }
          attachments { __typename ... on CouponTemplate { id } ... on GroupBuyCampaign { id } ... on MiniProgram { id } }
          comments { edges { node { id body author { id } post { id } } } } } }`);
    expect(d.post).toMatchObject({
      id: 'pst_kfc_1',
      kind: 'IMAGE_TEXT',
      viewerHasFavorited: true,
      viewerHasLiked: false,
      account: { id: 'la_kfc' },
      attachments: [
        { __typename: 'CouponTemplate', id: 'cpt_kfc_1' },
        { __typename: 'GroupBuyCampaign', id: 'gbc_kfc_1' },
        { __typename: 'MiniProgram', id: 'mp_kfc' },
      ],
      comments: {
        edges: [{ node: { body: 'Looks delicious!', author: { id: 'usr_carol' }, post: { id: 'pst_kfc_1' } } }],
      },
    });
    expect(d.post.media[0]).toMatch(/^https:/);
  });

  it('reads a live stream with featured offers', async () => {
    const d = await data(`#graphql
      { liveStream(id: "lvs_kfc_1") { id status viewerCount startedAt account { id }
          featuredOffers { __typename ... on CouponTemplate { id } ... on GroupBuyCampaign { id } }
          featuredOfferIds } }`);
    expect(d.liveStream).toMatchObject({
      status: 'LIVE',
      account: { id: 'la_kfc' },
      featuredOffers: [
        { __typename: 'CouponTemplate', id: 'cpt_kfc_1' },
        { __typename: 'GroupBuyCampaign', id: 'gbc_kfc_1' },
      ],
      featuredOfferIds: ['cpt_kfc_1', 'gbc_kfc_1'],
    });
  });

  it('returns null for unknown ids', async () => {
    const d = await data(`{ lifeAccount(id: "la_x") { id } post(id: "pst_x") { id } liveStream(id: "lvs_x") { id } }`);
    expect(d).toEqual({ lifeAccount: null, post: null, liveStream: null });
  });

  it('rejects first: 0 and first: 101 with BAD_USER_INPUT', async () => {
    for (const first of [0, 101]) {
      const result = await gql(FEED, { first });
      expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
      const nested = await gql(
        `query($n: Int) { post(id: "pst_kfc_1") { comments(first: $n) { edges { cursor } } } }`,
        {
          n: first,
        },
      );
      expect(nested.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('feed', () => {
  it('pages through followed and nearby posts newest first, without duplicates', async () => {
    const ids: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i++) {
      const d = await data(FEED, { first: 10, after, near: WEST_LAKE });
      ids.push(...d.lifeChannelFeed.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!d.lifeChannelFeed.pageInfo.hasNextPage) break;
      after = d.lifeChannelFeed.pageInfo.endCursor;
    }
    expect(ids.length).toBeGreaterThan(20);
    expect(new Set(ids).size).toBe(ids.length);
    const all = await data(FEED, { first: 100, near: WEST_LAKE });
    expect(all.lifeChannelFeed.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(ids);
  });

  it('shows everything to an anonymous caller without near', async () => {
    const d = await data(FEED, { first: 5 }, ANONYMOUS);
    expect(d.lifeChannelFeed.edges).toHaveLength(5);
    expect(d.lifeChannelFeed.edges[0].node).toMatchObject({
      viewerHasLiked: false,
      account: { viewerIsFollowing: false },
    });
  });

  it('costs the same number of SQL statements for 5 and 50 posts', async () => {
    const statements = async (first: number) => {
      server.database.stats.statements = 0;
      const d = await data(FEED, { first, near: WEST_LAKE });
      expect(d.lifeChannelFeed.edges).toHaveLength(first);
      return server.database.stats.statements;
    };
    expect(await statements(50)).toBe(await statements(5));
  });
});

describe('entities', () => {
  it('resolves every content entity and the extended Merchant and User', async () => {
    const d = await data(
      `query($r: [_Any!]!) { _entities(representations: $r) {
        ... on LifeAccount { id name } ... on Post { id title } ... on Comment { id body }
        ... on LiveStream { id title } ... on Merchant { id lifeAccount { id } }
        ... on User { id following { edges { node { id } } } favoritePosts { edges { node { id } } } } } }`,
      {
        r: [
          { __typename: 'LifeAccount', id: 'la_kfc' },
          { __typename: 'Post', id: 'pst_kfc_1' },
          { __typename: 'Comment', id: 'cmt_kfc_1' },
          { __typename: 'LiveStream', id: 'lvs_kfc_1' },
          { __typename: 'Merchant', id: 'mer_kfc' },
          { __typename: 'User', id: 'usr_alice' },
          { __typename: 'Post', id: 'pst_missing' },
          { __typename: 'Merchant', id: 'mer_without_account' },
        ],
      },
    );
    expect(d._entities).toMatchObject([
      { id: 'la_kfc', name: 'KFC' },
      { id: 'pst_kfc_1' },
      { id: 'cmt_kfc_1', body: 'Looks delicious!' },
      { id: 'lvs_kfc_1' },
      { id: 'mer_kfc', lifeAccount: { id: 'la_kfc' } },
      {
        id: 'usr_alice',
        following: {
          edges: [{ node: { id: 'la_newhope' } }, { node: { id: 'la_creator_1' } }, { node: { id: 'la_kfc' } }],
        },
        favoritePosts: { edges: [{ node: { id: 'pst_kfc_1' } }] },
      },
      null,
      { id: 'mer_without_account', lifeAccount: null },
    ]);
  });

  it("keeps another user's following and favorites private", async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id following { edges { cursor } } } } }`;
    const r = [{ __typename: 'User', id: 'usr_alice' }];
    const asBob = await gql(query, { r }, BOB);
    expect(asBob.data?._entities[0].following).toBeNull();
    expect(asBob.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const anonymous = await gql(query, { r }, ANONYMOUS);
    expect(anonymous.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('mutations', () => {
  const POST_FIELDS =
    'post { id likeCount favoriteCount shareCount viewerHasLiked viewerHasFavorited } userErrors { code field }';

  it('likes, favorites and follows idempotently', async () => {
    const before = (await data(`{ post(id: "pst_kfc_2") { likeCount favoriteCount } }`)).post;
    const d = await data(`mutation {
      a: likePost(postId: "pst_kfc_2") { ${POST_FIELDS} }
      b: likePost(postId: "pst_kfc_2") { ${POST_FIELDS} }
      c: favoritePost(postId: "pst_kfc_2") { ${POST_FIELDS} }
      d: favoritePost(postId: "pst_kfc_2") { ${POST_FIELDS} } }`);
    expect(d.b).toMatchObject({ post: { likeCount: before.likeCount + 1, viewerHasLiked: true }, userErrors: [] });
    expect(d.d.post).toMatchObject({ favoriteCount: before.favoriteCount + 1, viewerHasFavorited: true });
    const undo = await data(`mutation {
      a: unlikePost(postId: "pst_kfc_2") { ${POST_FIELDS} }
      b: unlikePost(postId: "pst_kfc_2") { ${POST_FIELDS} }
      c: unfavoritePost(postId: "pst_kfc_2") { ${POST_FIELDS} } }`);
    expect(undo.b.post).toMatchObject({ likeCount: before.likeCount, viewerHasLiked: false });
    expect(undo.c.post).toMatchObject({ favoriteCount: before.favoriteCount, viewerHasFavorited: false });

    const FOLLOW = 'lifeAccount { id followerCount viewerIsFollowing } userErrors { code }';
    const f = await data(`mutation {
      a: followLifeAccount(accountId: "la_creator_3") { ${FOLLOW} }
      b: followLifeAccount(accountId: "la_creator_3") { ${FOLLOW} }
      c: unfollowLifeAccount(accountId: "la_creator_3") { ${FOLLOW} }
      d: unfollowLifeAccount(accountId: "la_creator_3") { ${FOLLOW} } }`);
    expect(f.b.lifeAccount).toMatchObject({ followerCount: f.a.lifeAccount.followerCount, viewerIsFollowing: true });
    expect(f.d.lifeAccount).toMatchObject({
      followerCount: f.a.lifeAccount.followerCount - 1,
      viewerIsFollowing: false,
    });
  });

  it('counts each sharer once and every comment', async () => {
    const d = await data(`mutation {
      a: sharePost(postId: "pst_kfc_6") { ${POST_FIELDS} }
      b: sharePost(postId: "pst_kfc_6") { ${POST_FIELDS} }
      c: commentOnPost(postId: "pst_kfc_6", body: "  Went today  ") {
        comment { id body author { id } post { id } } post { commentCount comments(first: 1) { edges { node { body } } } }
        userErrors { code } } }`);
    expect(d.b.post.shareCount).toBe(d.a.post.shareCount);
    const bob = await data(`mutation { sharePost(postId: "pst_kfc_6") { ${POST_FIELDS} } }`, {}, BOB);
    expect(bob.sharePost.post.shareCount).toBe(d.a.post.shareCount + 1);
    expect(d.c).toMatchObject({
      comment: { body: 'Went today', author: { id: 'usr_alice' }, post: { id: 'pst_kfc_6' } },
      post: { comments: { edges: [{ node: { body: 'Went today' } }] } },
      userErrors: [],
    });
    const id = d.c.comment.id;
    const again = await data(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Comment { id body } } }`, {
      r: [{ __typename: 'Comment', id }],
    });
    expect(again._entities).toEqual([{ id, body: 'Went today' }]);
  });

  it('reports NOT_FOUND and INVALID_INPUT as user errors that change nothing', async () => {
    const d = await data(`mutation {
      a: likePost(postId: "pst_missing") { post { id } userErrors { code field message } }
      b: followLifeAccount(accountId: "la_missing") { lifeAccount { id } userErrors { code field } }
      c: commentOnPost(postId: "pst_missing", body: "hi") { comment { id } post { id } userErrors { code } }
      d: commentOnPost(postId: "pst_kfc_6", body: "   ") { comment { id } post { id } userErrors { code field } } }`);
    expect(d.a).toMatchObject({ post: null, userErrors: [{ code: 'NOT_FOUND', field: ['postId'] }] });
    expect(d.b).toMatchObject({ lifeAccount: null, userErrors: [{ code: 'NOT_FOUND', field: ['accountId'] }] });
    expect(d.c).toMatchObject({ comment: null, userErrors: [{ code: 'NOT_FOUND' }] });
    expect(d.d).toMatchObject({ comment: null, userErrors: [{ code: 'INVALID_INPUT', field: ['body'] }] });
  });

  it('needs a signed-in user', async () => {
    const result = await gql(`mutation { likePost(postId: "pst_kfc_1") { post { likeCount } } }`, {}, ANONYMOUS);
    expect(result.data).toEqual({ likePost: null });
    expect(result.errors?.[0]).toMatchObject({ path: ['likePost'], extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('publishing', () => {
  const PUBLISH = `mutation($input: PublishPostInput!) {
    publishPost(input: $input) { post { id title account { id } store { id }
      attachments { __typename ... on MiniProgram { id } } } userErrors { code field } } }`;
  const input = {
    accountId: 'la_kfc',
    kind: 'SHORT_VIDEO',
    title: 'Behind the counter',
    body: '',
    media: ['https://img.lifegraph.dev/v.mp4'],
    storeId: 'sto_kfc_hz_1',
    attachments: [{ kind: 'MINI_PROGRAM', id: 'mp_kfc' }],
  };

  it('lets staff publish posts and run live streams for their merchant', async () => {
    const d = await data(PUBLISH, { input }, BOB_KFC_CONTENT_STAFF);
    expect(d.publishPost).toMatchObject({
      post: { title: 'Behind the counter', account: { id: 'la_kfc' }, store: { id: 'sto_kfc_hz_1' } },
      userErrors: [],
    });
    expect(d.publishPost.post.attachments).toEqual([{ __typename: 'MiniProgram', id: 'mp_kfc' }]);
    const scheduled = await data(
      `mutation($at: DateTime!) { scheduleLiveStream(input: { accountId: "la_kfc", title: "Soon", scheduledAt: $at,
        featuredOffers: [{ kind: COUPON_TEMPLATE, id: "cpt_kfc_1" }] }) {
        liveStream { id status scheduledAt featuredOffers { __typename } } userErrors { code } } }`,
      { at: new Date(Date.now() + 86_400_000).toISOString() },
      BOB_KFC_CONTENT_STAFF,
    );
    expect(scheduled.scheduleLiveStream.liveStream).toMatchObject({
      status: 'SCHEDULED',
      featuredOffers: [{ __typename: 'CouponTemplate' }],
    });
    const id = scheduled.scheduleLiveStream.liveStream.id;
    const moved = await data(
      `mutation($id: ID!) { a: startLiveStream(liveStreamId: $id) { liveStream { status startedAt } userErrors { code } }
        b: endLiveStream(liveStreamId: $id) { liveStream { status endedAt } userErrors { code } }
        c: endLiveStream(liveStreamId: $id) { liveStream { status } userErrors { code } } }`,
      { id },
      BOB_KFC_CONTENT_STAFF,
    );
    expect(moved.a.liveStream.status).toBe('LIVE');
    expect(moved.b.liveStream.status).toBe('ENDED');
    expect(moved.c.userErrors).toEqual([{ code: 'INVALID_STATE' }]);
  });

  it('refuses callers without the scope or the merchant', async () => {
    const noScope = await gql(PUBLISH, { input }, BOB);
    expect(noScope.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const otherMerchant = await gql(PUBLISH, { input }, { ...BOB_KFC_CONTENT_STAFF, merchantIds: ['mer_newhope'] });
    expect(otherMerchant.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const anonymous = await gql(PUBLISH, { input }, ANONYMOUS);
    expect(anonymous.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('transport', () => {
  it('refuses a request without the signed identity header with 401', async () => {
    const response = await postToSubgraph(server.url, { query: '{ post(id: "pst_kfc_1") { id } }' });
    expect(response.status).toBe(401);
  });
});
