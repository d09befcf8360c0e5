import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeContent } from '../../seeds/write-content.ts';
import { content } from '../../subgraphs/content/index.ts';
import { selectLifeAccounts, selectLiveStreams } from '../../subgraphs/content/rules/catalog.ts';
import { commentOnPost } from '../../subgraphs/content/rules/comment.ts';
import { selectFeed } from '../../subgraphs/content/rules/feed.ts';
import { followLifeAccount, unfollowLifeAccount } from '../../subgraphs/content/rules/follow.ts';
import {
  favoritePost,
  likePost,
  sharePost,
  unfavoritePost,
  unlikePost,
} from '../../subgraphs/content/rules/reactions.ts';
import * as tables from '../../subgraphs/content/tables.ts';
import { asUser } from '../../subgraphs/shared/actors.ts';
import type { SubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { distanceMeters } from '../../subgraphs/shared/geo.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { ALICE, BOB, CAROL, user } from '../support/identities.ts';
import { WEST_LAKE } from '../support/operations.ts';
import { testDataDir } from '../support/temp.ts';

const world = buildWorld(1);
const now = SEED_EPOCH;
let database: SubgraphDatabase<typeof tables>;

beforeAll(() => {
  database = openSubgraphDatabase(content, testDataDir('lg-'));
  writeContent(database.db, world);
});
afterAll(() => database?.close());

const post = (id: string) => database.db.select().from(tables.posts).where(eq(tables.posts.id, id)).get();
const account = (id: string) =>
  database.db.select().from(tables.lifeAccounts).where(eq(tables.lifeAccounts.id, id)).get();
const rowCount = (
  table: typeof tables.postLikes | typeof tables.postFavorites | typeof tables.postShares,
  postId: string,
) => database.db.select({ n: count() }).from(table).where(eq(table.postId, postId)).get()?.n;

describe('seed writer', () => {
  it('stores every content record with counts computed from the rows', async () => {
    const db = database.db;
    await expect(db.$count(tables.lifeAccounts)).resolves.toBe(world.lifeAccounts.length);
    await expect(db.$count(tables.posts)).resolves.toBe(world.posts.length);
    await expect(db.$count(tables.comments)).resolves.toBe(world.comments.length);
    await expect(db.$count(tables.liveStreamOffers)).resolves.toBe(world.liveStreams.length * 2);
    const kfcFollowers = world.follows.filter((f) => f.accountId === 'la_kfc').length;
    expect(account('la_kfc')?.followerCount).toBe(kfcFollowers);
    const likes = world.likes.filter((l) => l.postId === 'pst_kfc_1').length;
    expect(post('pst_kfc_1')).toMatchObject({ likeCount: likes, favoriteCount: 1, commentCount: 1, shareCount: 0 });
    expect(rowCount(tables.postLikes, 'pst_kfc_1')).toBe(likes);
  });
});

describe('feed', () => {
  const page = { offset: 0, limit: 100 };

  it('shows followed accounts only to a viewer who follows someone', () => {
    const followed = new Set(world.follows.filter((f) => f.userId === 'usr_alice').map((f) => f.accountId));
    const rows = selectFeed(database.db, asUser(ALICE), { near: null }, page);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => followed.has(r.accountId))).toBe(true);
  });

  it('adds BRAND posts tagged within 5 km of near', () => {
    const rows = selectFeed(database.db, null, { near: WEST_LAKE }, page);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(distanceMeters(WEST_LAKE, { lat: r.lat ?? 0, lng: r.lng ?? 0 })).toBeLessThanOrEqual(5000);
      expect(account(r.accountId)?.kind).toBe('BRAND');
    }
  });

  it('gives everything, newest first, to anonymous callers and viewers who follow nobody', () => {
    const anonymous = selectFeed(database.db, null, { near: null }, page);
    const nobody = selectFeed(database.db, asUser(user('usr_nobody')), { near: null }, page);
    expect(anonymous.map((r) => r.id)).toEqual(nobody.map((r) => r.id));
    expect(anonymous).toHaveLength(101);
    const times = anonymous.map((r) => r.publishedAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('pages without duplicates or gaps', () => {
    const [viewer, input] = [asUser(ALICE), { near: WEST_LAKE }];
    const all = selectFeed(database.db, viewer, input, { offset: 0, limit: 1000 }).map((r) => r.id);
    const paged: string[] = [];
    for (let offset = 0; offset < all.length; offset += 7) {
      paged.push(
        ...selectFeed(database.db, viewer, input, { offset, limit: 7 })
          .slice(0, 7)
          .map((r) => r.id),
      );
    }
    expect(new Set(paged).size).toBe(paged.length);
    expect(paged).toEqual(all);
  });

  it('rejects an invalid point', () => {
    expect(() => selectFeed(database.db, null, { near: { lat: 91, lng: 0 } }, page)).toThrow(/lat/);
  });
});

describe('catalog lists', () => {
  it('filters accounts by kind and streams by status', () => {
    const creators = selectLifeAccounts(database.db, 'CREATOR', { offset: 0, limit: 100 });
    expect(creators.map((a) => a.kind)).toEqual(Array(5).fill('CREATOR'));
    const live = selectLiveStreams(database.db, 'LIVE', { offset: 0, limit: 100 });
    expect(live.length).toBeGreaterThan(0);
    expect(live.every((s) => s.status === 'LIVE')).toBe(true);
  });
});

describe('follow', () => {
  it('counts a follower once however often they follow, and once on unfollow', () => {
    const before = account('la_creator_2')?.followerCount ?? 0;
    const [carol, input] = [asUser(CAROL), { accountId: 'la_creator_2' }];
    expect(followLifeAccount(database.db, now, carol, input).lifeAccount?.followerCount).toBe(before + 1);
    expect(followLifeAccount(database.db, now, carol, input)).toMatchObject({
      lifeAccount: { followerCount: before + 1 },
      userErrors: [],
    });
    expect(unfollowLifeAccount(database.db, now, carol, input).lifeAccount?.followerCount).toBe(before);
    expect(unfollowLifeAccount(database.db, now, carol, input).lifeAccount?.followerCount).toBe(before);
  });

  it('reports NOT_FOUND for an unknown account and writes nothing', () => {
    const result = followLifeAccount(database.db, now, asUser(CAROL), { accountId: 'la_missing' });
    expect(result).toMatchObject({ lifeAccount: null, userErrors: [{ code: 'NOT_FOUND', field: ['accountId'] }] });
    const rows = database.db
      .select()
      .from(tables.follows)
      .where(and(eq(tables.follows.userId, 'usr_carol'), eq(tables.follows.accountId, 'la_missing')))
      .all();
    expect(rows).toHaveLength(0);
  });
});

describe('likes and favorites', () => {
  it('keep counts exact under repeats', () => {
    const [carol, input] = [asUser(CAROL), { postId: 'pst_kfc_3' }];
    const likes = post('pst_kfc_3')?.likeCount ?? 0;
    likePost(database.db, now, carol, input);
    expect(likePost(database.db, now, carol, input).post?.likeCount).toBe(likes + 1);
    expect(rowCount(tables.postLikes, 'pst_kfc_3')).toBe(likes + 1);
    unlikePost(database.db, now, carol, input);
    expect(unlikePost(database.db, now, carol, input).post?.likeCount).toBe(likes);
    const favorites = post('pst_kfc_3')?.favoriteCount ?? 0;
    favoritePost(database.db, now, carol, input);
    expect(favoritePost(database.db, now, carol, input).post?.favoriteCount).toBe(favorites + 1);
    expect(unfavoritePost(database.db, now, carol, input).post?.favoriteCount).toBe(favorites);
    expect(unfavoritePost(database.db, now, carol, input).post?.favoriteCount).toBe(favorites);
  });

  it('report NOT_FOUND for an unknown post', () => {
    expect(likePost(database.db, now, asUser(CAROL), { postId: 'pst_missing' })).toMatchObject({
      post: null,
      userErrors: [{ code: 'NOT_FOUND', field: ['postId'] }],
    });
  });
});

describe('shares', () => {
  it('store every share as an event but count each sharer once', () => {
    const [bob, carol, input] = [asUser(BOB), asUser(CAROL), { postId: 'pst_kfc_4' }];
    const before = post('pst_kfc_4')?.shareCount ?? 0;
    expect(sharePost(database.db, now, bob, input).post?.shareCount).toBe(before + 1);
    expect(sharePost(database.db, now, bob, input).post?.shareCount).toBe(before + 1);
    expect(sharePost(database.db, now, bob, input).post?.shareCount).toBe(before + 1);
    expect(sharePost(database.db, now, carol, input).post?.shareCount).toBe(before + 2);
    expect(sharePost(database.db, now, carol, input).post?.shareCount).toBe(before + 2);
    expect(post('pst_kfc_4')?.shareCount).toBe(before + 2);
    expect(rowCount(tables.postShares, 'pst_kfc_4')).toBe(5);
    // Bob's share of another post is that post's first share by him, so it counts there.
    const other = post('pst_kfc_5')?.shareCount ?? 0;
    expect(sharePost(database.db, now, bob, { postId: 'pst_kfc_5' }).post?.shareCount).toBe(other + 1);
    expect(sharePost(database.db, now, bob, { postId: 'pst_missing' }).userErrors[0]?.code).toBe('NOT_FOUND');
  });
});

describe('comments', () => {
  it('trims the body and counts the comment', () => {
    const before = post('pst_kfc_5')?.commentCount ?? 0;
    const result = commentOnPost(database.db, now, asUser(BOB), { postId: 'pst_kfc_5', body: '  Great!  ' });
    expect(result).toMatchObject({ comment: { body: 'Great!', userId: 'usr_bob' }, userErrors: [] });
    expect(result.post?.commentCount).toBe(before + 1);
  });

  it('rejects empty and over-long bodies with INVALID_INPUT and writes nothing', () => {
    const before = post('pst_kfc_5')?.commentCount;
    for (const body of ['   ', 'x'.repeat(501)]) {
      const result = commentOnPost(database.db, now, asUser(BOB), { postId: 'pst_kfc_5', body });
      expect(result).toMatchObject({ comment: null, userErrors: [{ code: 'INVALID_INPUT', field: ['body'] }] });
    }
    expect(
      commentOnPost(database.db, now, asUser(BOB), { postId: 'pst_kfc_5', body: '😀'.repeat(500) }).userErrors,
    ).toEqual([]);
    expect(post('pst_kfc_5')?.commentCount).toBe((before ?? 0) + 1);
  });

  it('reports NOT_FOUND for an unknown post', () => {
    const result = commentOnPost(database.db, now, asUser(BOB), { postId: 'pst_missing', body: 'hi' });
    expect(result.userErrors[0]?.code).toBe('NOT_FOUND');
  });
});
