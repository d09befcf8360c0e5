import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { linkRows } from '../subgraphs/content/rules/publish-input.ts';
import * as tables from '../subgraphs/content/tables.ts';
import { insertInChunks } from './batch.ts';
import type { World } from './world.ts';

function countBy<T>(items: T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}

/**
 * Stores the content subgraph's part of the seed world in one transaction, in batched multi-row inserts.
 * Follower, like, favorite and comment counts are computed from the rows written, so they are exact.
 */
export function writeContent(db: BetterSQLite3Database<typeof tables>, world: World): void {
  const followers = countBy(world.follows, (f) => f.accountId);
  const likes = countBy(world.likes, (l) => l.postId);
  const favorites = countBy(world.favorites, (f) => f.postId);
  const comments = countBy(world.comments, (c) => c.postId);
  db.transaction((tx) => {
    insertInChunks(
      tx,
      tables.lifeAccounts,
      world.lifeAccounts.map((a) => ({ ...a, followerCount: followers.get(a.id) ?? 0 })),
    );
    insertInChunks(tx, tables.follows, world.follows);
    insertInChunks(
      tx,
      tables.storeDirectory,
      world.stores.map((s) => ({ storeId: s.id, merchantId: s.merchantId, lat: s.lat, lng: s.lng })),
    );
    insertInChunks(
      tx,
      tables.posts,
      world.posts.map(({ attachments: _, ...p }) => ({
        ...p,
        likeCount: likes.get(p.id) ?? 0,
        favoriteCount: favorites.get(p.id) ?? 0,
        commentCount: comments.get(p.id) ?? 0,
      })),
    );
    insertInChunks(
      tx,
      tables.postAttachments,
      world.posts.flatMap((p) => linkRows({ postId: p.id }, p.attachments)),
    );
    insertInChunks(tx, tables.postLikes, world.likes);
    insertInChunks(tx, tables.postFavorites, world.favorites);
    insertInChunks(tx, tables.comments, world.comments);
    insertInChunks(
      tx,
      tables.liveStreams,
      world.liveStreams.map(({ featuredOffers: _, ...s }) => s),
    );
    insertInChunks(
      tx,
      tables.liveStreamOffers,
      world.liveStreams.flatMap((s) =>
        linkRows({ liveStreamId: s.id }, s.featuredOffers).map((row) => {
          if (row.kind === 'MINI_PROGRAM') throw new Error(`live stream ${s.id} cannot feature a mini program`);
          return { ...row, kind: row.kind };
        }),
      ),
    );
  });
}
