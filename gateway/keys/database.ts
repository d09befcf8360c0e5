import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { openDatabaseFile } from '../../subgraphs/contract/index.ts';
import * as tables from './tables.ts';

const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));

/** The gateway's own SQLite database: the partner API keys, migrated, with a count of the statements run. */
export interface KeyDatabase {
  db: BetterSQLite3Database<typeof tables>;
  sqlite: Database.Database;
  stats: { statements: number };
  close(): void;
}

/** The key store's SQLite file in a data directory (readiness checks it). */
export function keyDatabaseFile(dataDir: string): string {
  return path.join(dataDir, 'gateway.sqlite');
}

/**
 * Opens (creating if needed) `<dataDir>/gateway.sqlite` as every data-directory file is opened (WAL, integrity
 * checked, a damaged file refused naming it) and applies the key store's committed migrations.
 */
export function openKeyDatabase(dataDir: string): KeyDatabase {
  const { sqlite, stats, prepared } = openDatabaseFile({
    file: keyDatabaseFile(dataDir),
    prepare: (sqlite) => {
      const db = drizzle(sqlite, { schema: tables });
      migrate(db, { migrationsFolder: MIGRATIONS });
      return db;
    },
  });
  return { db: prepared, sqlite, stats, close: () => sqlite.close() };
}
