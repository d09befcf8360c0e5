import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as tables from '../subgraphs/merchants/tables.ts';
import type { World } from './world.ts';

const CHUNK = 500;

/** Stores the merchants subgraph's part of the seed world in one transaction, in batched multi-row inserts. */
export function writeMerchants(db: BetterSQLite3Database<typeof tables>, world: World): void {
  db.transaction((tx) => {
    const insertAll = <T extends SQLiteTable>(table: T, rows: T['$inferInsert'][]) => {
      for (let i = 0; i < rows.length; i += CHUNK)
        tx.insert(table)
          .values(rows.slice(i, i + CHUNK))
          .run();
    };
    insertAll(tables.categories, world.categories);
    insertAll(tables.serviceProviders, world.serviceProviders);
    insertAll(tables.merchants, world.merchants);
    insertAll(tables.stores, world.stores);
    insertAll(tables.miniPrograms, world.miniPrograms);
  });
}
