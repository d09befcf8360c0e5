import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { distanceMeters } from './geo.ts';

/** A subgraph's own SQLite database, migrated, with a statement counter for the N+1 tests and benchmarks. */
export interface SubgraphDatabase<TSchema extends Record<string, unknown>> {
  db: BetterSQLite3Database<TSchema>;
  sqlite: Database.Database;
  /** Counts every SQL statement executed, so tests can prove that a query's cost does not grow with list length. */
  stats: { statements: number };
  close(): void;
}

/** Opens (creating if needed) a SQLite file in WAL mode and applies the subgraph's committed migrations. */
export function openDatabase<TSchema extends Record<string, unknown>>(options: {
  file: string;
  schema: TSchema;
  migrationsFolder: string;
}): SubgraphDatabase<TSchema> {
  const stats = { statements: 0 };
  const sqlite = new Database(options.file, {
    verbose: () => {
      stats.statements += 1;
    },
  });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Several processes (a subgraph, `npm run seed`, `npm run jobs`) may write the same file: wait, don't fail.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.function('distance_meters', { deterministic: true }, (lat1, lng1, lat2, lng2) =>
    distanceMeters({ lat: Number(lat1), lng: Number(lng1) }, { lat: Number(lat2), lng: Number(lng2) }),
  );
  const db = drizzle(sqlite, { schema: options.schema });
  migrate(db, { migrationsFolder: options.migrationsFolder });
  stats.statements = 0;
  return { db, sqlite, stats, close: () => sqlite.close() };
}
