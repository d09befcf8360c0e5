import DataLoader from 'dataloader';
import { and, asc, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { selectChildPage } from '../shared/child-page-query.ts';
import { childPageLoader, groupLoader, rowByIdLoader } from '../shared/connection.ts';
import type { Clock } from '../shared/context.ts';
import type { ContentDb } from './context.ts';
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
      for (const [viewerId, ids] of idsByViewer) {
        const rows = db
          .select({ id: targetColumn })
          .from(table)
          .where(and(eq(table.userId, viewerId), inArray(targetColumn, ids)))
          .all();
        for (const row of rows) hits.add(cacheKey({ viewerId, id: row.id }));
      }
      return keys.map((k) => hits.has(cacheKey(k)));
    },
    { cacheKeyFn: cacheKey },
  );
}

const sqlOrder = (...parts: SQL[]) => sql.join(parts, sql`, `);

/** A paged child list in `orderBy` order, one statement for any number of parents. */
function pagedChildren<T extends SQLiteTable>(db: ContentDb, table: T, parentColumn: SQLiteColumn, orderBy: SQL) {
  return (parentIds: readonly string[], offset: number, limit: number) =>
    selectChildPage(db, { table, parentColumn, orderBy, parentIds, offset, limit });
}

/** A fresh set of DataLoaders for one request. */
export function createLoaders(db: ContentDb, _clock: Clock) {
  const newestPosts = sqlOrder(desc(posts.publishedAt), desc(posts.id));
  return {
    lifeAccountById: rowByIdLoader(db, lifeAccounts),
    lifeAccountByMerchantId: new DataLoader<string, typeof lifeAccounts.$inferSelect | null>(async (merchantIds) => {
      const rows = db
        .select()
        .from(lifeAccounts)
        .where(inArray(lifeAccounts.merchantId, [...merchantIds]))
        .all();
      const byMerchant = new Map(rows.map((r) => [r.merchantId, r]));
      return merchantIds.map((id) => byMerchant.get(id) ?? null);
    }),
    postById: rowByIdLoader(db, posts),
    commentById: rowByIdLoader(db, comments),
    liveStreamById: rowByIdLoader(db, liveStreams),
    postsByAccountId: childPageLoader(pagedChildren(db, posts, posts.accountId, newestPosts), (r) => r.accountId),
    liveStreamsByAccountId: childPageLoader(
      pagedChildren(
        db,
        liveStreams,
        liveStreams.accountId,
        sqlOrder(desc(liveStreams.scheduledAt), desc(liveStreams.id)),
      ),
      (r) => r.accountId,
    ),
    commentsByPostId: childPageLoader(
      pagedChildren(db, comments, comments.postId, sqlOrder(desc(comments.createdAt), desc(comments.id))),
      (r) => r.postId,
    ),
    followingByUserId: childPageLoader(
      pagedChildren(db, follows, follows.userId, sqlOrder(desc(follows.createdAt), desc(follows.accountId))),
      (r) => r.userId,
    ),
    favoritePostsByUserId: childPageLoader(
      pagedChildren(
        db,
        postFavorites,
        postFavorites.userId,
        sqlOrder(desc(postFavorites.createdAt), desc(postFavorites.postId)),
      ),
      (r) => r.userId,
    ),
    attachmentsByPostId: groupLoader(
      (postIds) =>
        db
          .select()
          .from(postAttachments)
          .where(inArray(postAttachments.postId, [...postIds]))
          .orderBy(asc(postAttachments.position))
          .all(),
      (r) => r.postId,
    ),
    featuredOffersByLiveStreamId: groupLoader(
      (streamIds) =>
        db
          .select()
          .from(liveStreamOffers)
          .where(inArray(liveStreamOffers.liveStreamId, [...streamIds]))
          .orderBy(asc(liveStreamOffers.position))
          .all(),
      (r) => r.liveStreamId,
    ),
    viewerFollowsAccount: viewerSetLoader(db, follows, follows.accountId),
    viewerLikedPost: viewerSetLoader(db, postLikes, postLikes.postId),
    viewerFavoritedPost: viewerSetLoader(db, postFavorites, postFavorites.postId),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
