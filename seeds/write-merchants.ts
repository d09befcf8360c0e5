import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as tables from '../subgraphs/merchants/tables.ts';
import { insertInChunks } from './batch.ts';
import type { World } from './world.ts';

/** Stores the merchants subgraph's tables of the seed world in one transaction, in batched multi-row inserts. */
export function writeMerchants(db: BetterSQLite3Database<typeof tables>, world: World): void {
  db.transaction((tx) => {
    insertInChunks(tx, tables.categories, world.categories);
    insertInChunks(tx, tables.serviceProviders, world.serviceProviders);
    insertInChunks(tx, tables.merchants, world.merchants);
    insertInChunks(tx, tables.stores, world.stores);
    insertInChunks(tx, tables.miniPrograms, world.miniPrograms);
  });
}
