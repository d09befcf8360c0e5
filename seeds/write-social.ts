import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { socialProjection } from '../subgraphs/social/projections.ts';
import * as tables from '../subgraphs/social/tables.ts';
import { insertInChunks } from './batch.ts';
import { applySeedEvents } from './merchant-events.ts';
import type { World } from './world.ts';

/**
 * Fills the social copy of the stores when it is empty in a database seeded before migration 0001 created it
 * (the seed keeps such a database, so without this every group payment naming a store would be NOT_FOUND).
 * Insert-or-ignore of the same world, so it is idempotent. Returns the rows added.
 */
export function fillMissingSocial(db: BetterSQLite3Database<typeof tables>, world: () => World): number {
  if (db.select({ storeId: tables.storeDirectory.storeId }).from(tables.storeDirectory).limit(1).get()) return 0;
  const rows = world().socialStoreDirectory;
  db.transaction((tx) => {
    for (let i = 0; i < rows.length; i += 500)
      tx.insert(tables.storeDirectory)
        .values(rows.slice(i, i + 500))
        .onConflictDoNothing()
        .run();
  });
  return rows.length;
}

/**
 * Stores the social tables of the seed world (users, friendships, requests, IOUs, group payments, and the copy of
 * the stores that group payments may name) in one transaction, in batched multi-row inserts.
 */
export function writeSocial(db: BetterSQLite3Database<typeof tables>, world: World): void {
  db.transaction((tx) => {
    insertInChunks(tx, tables.users, world.users);
    // The store directory: the projection of the merchants events the merchants seed records.
    applySeedEvents(tx, socialProjection, world);
    insertInChunks(tx, tables.friendships, world.friendships);
    insertInChunks(tx, tables.friendRequests, world.friendRequests);
    insertInChunks(tx, tables.ious, world.ious);
    insertInChunks(tx, tables.iouRepayments, world.iouRepayments);
    insertInChunks(tx, tables.groupPayments, world.groupPayments);
    insertInChunks(tx, tables.groupPaymentShares, world.groupPaymentShares);
  });
}
