import DataLoader from 'dataloader';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { UserActor } from '../shared/actors.ts';
import { childrenLoader, newestFirst, pagedChildrenLoader } from '../shared/child-page-query.ts';
import { inJsonList, preparedFor, rowByIdLoader } from '../shared/connection.ts';
import type { Clock } from '../shared/context.ts';
import type { Invalidations } from '../shared/invalidations.ts';
import type { MutationResolvers } from './__generated__/resolvers-types.ts';
import type { ContentDb, LifeAccountRow } from './context.ts';
import {
  comments,
  follows,
  lifeAccounts,
  liveStreamOffers,
  liveStreams,
  postAttachments,
  postFavorites,
  postLikes,
  posts,
} from './tables.ts';

/**
 * Key of a viewer loader. The shared `createLoaders(db, clock)` does not receive the identity, so the
 * viewer travels in the key; within one request every key has the same viewer, so it is still one query.
 */
export interface ViewerKey {
  viewerId: string;
  id: string;
}

/** A (user, target) table: follows, likes, favorites. */
type ViewerTable = typeof follows | typeof postLikes | typeof postFavorites;

/**
 * Whether the viewer has a row in a (user, target) table, for many targets at once: one query per viewer
 * (and within a request there is one viewer).
 */
function viewerSetLoader(
  db: ContentDb,
  table: ViewerTable,
  targetColumn: SQLiteColumn,
): DataLoader<ViewerKey, boolean, string> {
  const cacheKey = (k: ViewerKey) => `${k.viewerId}|${k.id}`;
  return new DataLoader<ViewerKey, boolean, string>(
    async (keys) => {
      const idsByViewer = new Map<string, string[]>();
      for (const k of keys) {
        const ids = idsByViewer.get(k.viewerId) ?? [];
        ids.push(k.id);
        idsByViewer.set(k.viewerId, ids);
      }
      const hits = new Set<string>();
      // Built once per database, then bound (see `preparedFor`).
      const query = preparedFor(db, targetColumn, () =>
        db
          .select({ id: targetColumn })
          .from(table)
          .where(and(eq(table.userId, sql.placeholder('viewerId')), inJsonList(targetColumn, 'ids')))
          .prepare(),
      );
      for (const [viewerId, ids] of idsByViewer) {
        const rows = query.all({ viewerId, ids: JSON.stringify(ids) }) as { id: string }[];
        for (const row of rows) hits.add(cacheKey({ viewerId, id: row.id }));
      }
      return keys.map((k) => hits.has(cacheKey(k)));
    },
    { cacheKeyFn: cacheKey },
  );
}

/**
 * Whether the signed-in viewer has a row for `id` in a viewer loader's table (follows, likes, favorites); false for
 * anonymous callers and partner keys, without a query.
 */
export function viewerHas(
  loader: DataLoader<ViewerKey, boolean, string>,
  viewer: UserActor | null,
  id: string,
): boolean | Promise<boolean> {
  return viewer ? loader.load({ viewerId: viewer.userId, id }) : false;
}

/** A paged child list, newest first (see `newestFirst`). */
function newestPage<T extends SQLiteTable>(
  db: ContentDb,
  table: T,
  parentColumn: SQLiteColumn,
  time: SQLiteColumn,
  tiebreak: SQLiteColumn,
) {
  return pagedChildrenLoader(db, { table, parentColumn, orderBy: newestFirst(time, tiebreak) });
}

/** A fresh set of DataLoaders for one request: one SQL statement per batch, whatever the list lengths. */
export function createLoaders(db: ContentDb, _clock: Clock) {
  return {
    lifeAccountById: rowByIdLoader(db, lifeAccounts),
    lifeAccountByMerchantId: new DataLoader<string, LifeAccountRow | null>(async (merchantIds) => {
      const query = preparedFor(db, lifeAccounts.merchantId, () =>
        db.select().from(lifeAccounts).where(inJsonList(lifeAccounts.merchantId, 'merchantIds')).prepare(),
      );
      const rows = query.all({ merchantIds: JSON.stringify(merchantIds) }) as LifeAccountRow[];
      const byMerchant = new Map(rows.map((r) => [r.merchantId, r]));
      return merchantIds.map((id) => byMerchant.get(id) ?? null);
    }),
    postById: rowByIdLoader(db, posts),
    commentById: rowByIdLoader(db, comments),
    liveStreamById: rowByIdLoader(db, liveStreams),
    postsByAccountId: newestPage(db, posts, posts.accountId, posts.publishedAt, posts.id),
    liveStreamsByAccountId: newestPage(db, liveStreams, liveStreams.accountId, liveStreams.scheduledAt, liveStreams.id),
    commentsByPostId: newestPage(db, comments, comments.postId, comments.createdAt, comments.id),
    followingByUserId: newestPage(db, follows, follows.userId, follows.createdAt, follows.accountId),
    favoritePostsByUserId: newestPage(
      db,
      postFavorites,
      postFavorites.userId,
      postFavorites.createdAt,
      postFavorites.postId,
    ),
    attachmentsByPostId: childrenLoader(db, {
      table: postAttachments,
      parentColumn: postAttachments.postId,
      orderBy: asc(postAttachments.position),
    }),
    featuredOffersByLiveStreamId: childrenLoader(db, {
      table: liveStreamOffers,
      parentColumn: liveStreamOffers.liveStreamId,
      orderBy: asc(liveStreamOffers.position),
    }),
    viewerFollowsAccount: viewerSetLoader(db, follows, follows.accountId),
    viewerLikedPost: viewerSetLoader(db, postLikes, postLikes.postId),
    viewerFavoritedPost: viewerSetLoader(db, postFavorites, postFavorites.postId),
  };
}

/** The loaders every content resolver reads through. */
export type Loaders = ReturnType<typeof createLoaders>;

/**
 * What each mutation makes stale. A follow moves the account's followerCount (read through the account loaders) and
 * the user's following list; a reaction or comment moves the post's counters (read through the post and the
 * account's post pages) and the viewer's flag or list; publishing adds to the account's lists; a stream's move
 * changes its status wherever it was loaded.
 */
export const invalidations = {
  followLifeAccount: ['lifeAccountById', 'lifeAccountByMerchantId', 'viewerFollowsAccount', 'followingByUserId'],
  unfollowLifeAccount: ['lifeAccountById', 'lifeAccountByMerchantId', 'viewerFollowsAccount', 'followingByUserId'],
  likePost: ['postById', 'postsByAccountId', 'viewerLikedPost'],
  unlikePost: ['postById', 'postsByAccountId', 'viewerLikedPost'],
  favoritePost: ['postById', 'postsByAccountId', 'viewerFavoritedPost', 'favoritePostsByUserId'],
  unfavoritePost: ['postById', 'postsByAccountId', 'viewerFavoritedPost', 'favoritePostsByUserId'],
  sharePost: ['postById', 'postsByAccountId'],
  commentOnPost: ['postById', 'postsByAccountId', 'commentsByPostId'],
  publishPost: ['postsByAccountId'],
  scheduleLiveStream: ['liveStreamsByAccountId'],
  startLiveStream: ['liveStreamById', 'liveStreamsByAccountId'],
  endLiveStream: ['liveStreamById', 'liveStreamsByAccountId'],
  joinLiveStream: ['liveStreamById', 'liveStreamsByAccountId'],
  leaveLiveStream: ['liveStreamById', 'liveStreamsByAccountId'],
} satisfies Invalidations<keyof MutationResolvers, Loaders>;
