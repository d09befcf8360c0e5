import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { contentProjection } from '../subgraphs/content/projections.ts';
import * as tables from '../subgraphs/content/tables.ts';
import { insertInChunks } from './batch.ts';
import { applySeedEvents, outboxRows, seedContentEvents } from './merchant-events.ts';
import type { World } from './world.ts';

/** Stores the content subgraph's tables of the seed world in one transaction, in batched multi-row inserts. */
export function writeContent(db: BetterSQLite3Database<typeof tables>, world: World): void {
  db.transaction((tx) => {
    insertInChunks(tx, tables.lifeAccounts, world.lifeAccounts);
    insertInChunks(tx, tables.follows, world.follows);
    // The store directory: the projection of the merchants events the merchants seed records.
    applySeedEvents(tx, contentProjection, world);
    insertInChunks(tx, tables.posts, world.posts);
    insertInChunks(tx, tables.postAttachments, world.postAttachments);
    insertInChunks(tx, tables.postLikes, world.likes);
    insertInChunks(tx, tables.postFavorites, world.favorites);
    insertInChunks(tx, tables.comments, world.comments);
    insertInChunks(tx, tables.liveStreams, world.liveStreams);
    insertInChunks(tx, tables.liveStreamOffers, world.liveStreamOffers);
    // What others (search) learn of these accounts and posts: the history offers' seeded search index comes from.
    insertInChunks(tx, tables.outboxEvents, outboxRows(seedContentEvents(world)));
  });
}
