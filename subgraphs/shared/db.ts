import path from 'node:path';
import type Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { openDatabaseFile } from '../contract/database-files.ts';
import { tracingEnabled } from '../contract/tracing.ts';
import { distanceMeters } from './geo.ts';
import { traceStatement } from './sql-spans.ts';

/** A subgraph's own SQLite database, migrated, with a statement counter for the N+1 tests and benchmarks. */
export interface SubgraphDatabase<TSchema extends Record<string, unknown>> {
  db: BetterSQLite3Database<TSchema>;
  sqlite: Database.Database;
  /** Counts every SQL statement executed, so tests can prove that a query's cost does not grow with list length. */
  stats: { statements: number };
  close(): void;
}

/**
 * Opens (creating if needed) a subgraph's SQLite file as every data-directory file is opened (WAL, integrity
 * checked, see contract/database-files.ts), with the `distance_meters` SQL function, and applies its
 * committed migrations.
 */
export function openDatabase<TSchema extends Record<string, unknown>>(options: {
  file: string;
  schema: TSchema;
  migrationsFolder: string;
  /** What the operator can do about a damaged file, for the error message. */
  recovery?: string;
}): SubgraphDatabase<TSchema> {
  const { sqlite, stats, prepared } = openDatabaseFile({
    file: options.file,
    recovery: options.recovery,
    prepare: (sqlite) => {
      sqlite.function('distance_meters', { deterministic: true }, (lat1, lng1, lat2, lng2) =>
        distanceMeters({ lat: Number(lat1), lng: Number(lng1) }, { lat: Number(lat2), lng: Number(lng2) }),
      );
      // Traced statements are the ones compiled from here on: the migrations below run in no request anyway.
      reuseStatements(sqlite, tracingEnabled() ? path.basename(options.file, '.sqlite') : undefined);
      const db = drizzle(sqlite, { schema: options.schema });
      migrate(db, { migrationsFolder: options.migrationsFolder });
      return db;
    },
  });
  return { db: prepared, sqlite, stats, close: () => sqlite.close() };
}

/** How many compiled statements a connection keeps for reuse (distinct SQL texts; lists of ids vary their length). */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * Makes `sqlite.prepare` return the statement it compiled before for the same SQL text (the most recently used
 * `STATEMENT_CACHE_SIZE` of them), so that a query drizzle builds again on every request is compiled by SQLite
 * once. drizzle prepares a statement and runs it at once, and it binds every parameter on each run; a statement
 * still being iterated (`busy`) is never handed out twice, and one drizzle switched to arrays (`raw`) is switched
 * back to rows, so each caller gets the statement as `prepare` makes it. Statements run are counted as before.
 * With `tracedAs` (the database's name, when tracing is on) each run of a statement is a span.
 */
function reuseStatements(sqlite: Database.Database, tracedAs?: string, size = STATEMENT_CACHE_SIZE): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const compiled = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    const statement = compiled.get(source);
    if (statement && !statement.busy) {
      // Map order is the least recently used first.
      compiled.delete(source);
      compiled.set(source, statement);
      if (statement.reader) statement.raw(false);
      return statement;
    }
    const fresh = prepare(source);
    if (tracedAs !== undefined) traceStatement(fresh, tracedAs);
    compiled.set(source, fresh);
    if (compiled.size > size) compiled.delete(compiled.keys().next().value as string);
    return fresh;
  }) as Database.Database['prepare'];
}
