import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as tables from '../subgraphs/merchants/tables.ts';
import { insertInChunks } from './batch.ts';
import { seedOutboxRows } from './merchant-events.ts';
import type { World } from './world.ts';

/** Stores the merchants subgraph's tables of the seed world in one transaction, in batched multi-row inserts. */
export function writeMerchants(db: BetterSQLite3Database<typeof tables>, world: World): void {
  db.transaction((tx) => {
    insertInChunks(tx, tables.categories, world.categories);
    insertInChunks(tx, tables.serviceProviders, world.serviceProviders);
    insertInChunks(tx, tables.merchants, world.merchants);
    insertInChunks(tx, tables.stores, world.stores);
    insertInChunks(tx, tables.miniPrograms, world.miniPrograms);
    // What other subgraphs learn of these merchants and stores: the history their seeded projections come from.
    insertInChunks(tx, tables.outboxEvents, seedOutboxRows(world));
  });
}

/**
 * A merchants database seeded before the outbox existed has no history for consumers to read (a rebuild of their
 * projections would empty them): it gets the seed's events for the merchants and stores it holds. Returns the rows
 * added; nothing once the outbox has any event.
 */
export function fillMissingMerchants(db: BetterSQLite3Database<typeof tables>): number {
  if (db.select({ id: tables.outboxEvents.id }).from(tables.outboxEvents).limit(1).get()) return 0;
  const merchants = db.select().from(tables.merchants).orderBy(tables.merchants.id).all();
  const stores = db.select().from(tables.stores).orderBy(tables.stores.id).all();
  const miniPrograms = db.select().from(tables.miniPrograms).orderBy(tables.miniPrograms.id).all();
  const categories = db.select().from(tables.categories).orderBy(tables.categories.id).all();
  const rows = seedOutboxRows({ merchants, stores, miniPrograms, categories });
  db.transaction((tx) => insertInChunks(tx, tables.outboxEvents, rows));
  return rows.length;
}
