import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as tables from '../subgraphs/content/tables.ts';
import type { World } from './world.ts';

const CHUNK = 500;

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
    const insertAll = <T extends SQLiteTable>(table: T, rows: T['$inferInsert'][]) => {
      for (let i = 0; i < rows.length; i += CHUNK)
        tx.insert(table)
          .values(rows.slice(i, i + CHUNK))
          .run();
    };
    insertAll(
      tables.lifeAccounts,
      world.lifeAccounts.map((a) => ({ ...a, followerCount: followers.get(a.id) ?? 0 })),
    );
    insertAll(tables.follows, world.follows);
    insertAll(
      tables.posts,
      world.posts.map(({ attachments: _, ...p }) => ({
        ...p,
        likeCount: likes.get(p.id) ?? 0,
        favoriteCount: favorites.get(p.id) ?? 0,
        commentCount: comments.get(p.id) ?? 0,
      })),
    );
    insertAll(
      tables.postAttachments,
      world.posts.flatMap((p) =>
        p.attachments.map((a, position) => ({ postId: p.id, position, kind: a.kind, targetId: a.id })),
      ),
    );
    insertAll(tables.postLikes, world.likes);
    insertAll(tables.postFavorites, world.favorites);
    insertAll(tables.comments, world.comments);
    insertAll(
      tables.liveStreams,
      world.liveStreams.map(({ featuredOffers: _, ...s }) => s),
    );
    insertAll(
      tables.liveStreamOffers,
      world.liveStreams.flatMap((s) =>
        s.featuredOffers.map((o, position) => {
          if (o.kind === 'MINI_PROGRAM') throw new Error(`live stream ${s.id} cannot feature a mini program`);
          return { liveStreamId: s.id, position, kind: o.kind, targetId: o.id };
        }),
      ),
    );
  });
}
