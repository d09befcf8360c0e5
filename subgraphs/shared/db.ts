import path from 'node:path';
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

/** A database file that SQLite cannot read or that fails its integrity check; the message names the file. */
export class DatabaseFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    recovery = RECOVERY,
  ) {
    super(`Database file ${file} is corrupt or unreadable (${problem}): ${recovery}.`);
  }
}

const RECOVERY = 'restore it from a backup, or move it away to start with an empty database';

/**
 * For a command that failed to start: a damaged database ends the process (exit 1) with the message naming
 * the file and what to do, without a stack trace; any other error is rethrown, stack and all.
 */
export function exitIfDamagedDatabase(error: unknown): never {
  if (!(error instanceof DatabaseFileError)) throw error;
  console.error(error.message);
  process.exit(1);
}

// SQLite's codes for a file that is not (or no longer) a readable database, as opposed to a bad statement.
const FILE_PROBLEM = /^SQLITE_(CORRUPT|NOTADB|CANTOPEN|IOERR|PERM|READONLY|FULL)/;

function fileProblem(error: unknown): string | undefined {
  if (error instanceof Database.SqliteError && FILE_PROBLEM.test(error.code)) return `${error.code}: ${error.message}`;
  return undefined;
}

/**
 * `PRAGMA quick_check`: every page and index entry is read and checked (about 5 ms for the largest subgraph
 * database at seed scale 10), without the slower cross-checks of `integrity_check`. Undefined when sound.
 */
function integrityProblem(sqlite: Database.Database): string | undefined {
  const rows = sqlite.pragma('quick_check') as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  return problems.length > 0 ? problems.slice(0, 3).join('; ') : undefined;
}

/** What a database check reports: the file by name only (readiness output shows no directories). */
export type DatabaseCheck = { file: string; ok: true } | { file: string; ok: false; error: string };

/**
 * Checks a database file as it is on disk now: a fresh read-only connection (so nothing comes from a long-lived
 * connection's page cache) runs `quick_check`. Readiness probes call it; it never writes.
 */
export function checkDatabaseFile(file: string): DatabaseCheck {
  const name = path.basename(file);
  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(file, { readonly: true, fileMustExist: true });
    const problem = integrityProblem(sqlite);
    return problem ? { file: name, ok: false, error: problem } : { file: name, ok: true };
  } catch (error) {
    return { file: name, ok: false, error: fileProblem(error) ?? (error as Error).message };
  } finally {
    sqlite?.close();
  }
}

/**
 * Opens (creating if needed) a SQLite file in WAL mode, checks its integrity and applies the subgraph's committed
 * migrations. A corrupt or unreadable file is refused with a `DatabaseFileError` naming it and saying what to do
 * (`recovery`), before anything is served from it.
 */
export function openDatabase<TSchema extends Record<string, unknown>>(options: {
  file: string;
  schema: TSchema;
  migrationsFolder: string;
  /** What the operator can do about a damaged file, for the error message. */
  recovery?: string;
}): SubgraphDatabase<TSchema> {
  const stats = { statements: 0 };
  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(options.file, {
      verbose: () => {
        stats.statements += 1;
      },
    });
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    // Several processes (a subgraph, `npm run seed`, `npm run jobs`) may write the same file: wait, don't fail.
    sqlite.pragma('busy_timeout = 5000');
    const problem = integrityProblem(sqlite);
    if (problem) throw new DatabaseFileError(options.file, problem, options.recovery);
    sqlite.function('distance_meters', { deterministic: true }, (lat1, lng1, lat2, lng2) =>
      distanceMeters({ lat: Number(lat1), lng: Number(lng1) }, { lat: Number(lat2), lng: Number(lng2) }),
    );
    const db = drizzle(sqlite, { schema: options.schema });
    migrate(db, { migrationsFolder: options.migrationsFolder });
    stats.statements = 0;
    const opened = sqlite;
    return { db, sqlite: opened, stats, close: () => opened.close() };
  } catch (error) {
    sqlite?.close();
    const problem = fileProblem(error) ?? fileProblem((error as { cause?: unknown })?.cause);
    if (problem) throw new DatabaseFileError(options.file, problem, options.recovery);
    throw error;
  }
}
