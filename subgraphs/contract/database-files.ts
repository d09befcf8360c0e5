import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * The SQLite files of a data directory (each subgraph's, the gateway's key store), which several processes of
 * the graph share: every one of them opens a file the same way, refuses a damaged one with the same message,
 * and reports a file's state in `/readyz` in the same shape (the gateway reads the subgraphs' reports).
 */

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

/** An open database file, with a count of the SQL statements run on it (tests prove what a request costs). */
export interface OpenDatabaseFile<T> {
  sqlite: Database.Database;
  stats: { statements: number };
  /** What `prepare` returned (the drizzle database over the migrated file). */
  prepared: T;
}

/**
 * Opens (creating if needed) a SQLite file in WAL mode, checks its integrity, then `prepare`s it (SQL functions,
 * migrations; statements it runs are not counted). A corrupt or unreadable file, found by the check or while
 * preparing, is refused with a `DatabaseFileError` naming it and saying what to do (`recovery`), before
 * anything is served from it.
 */
export function openDatabaseFile<T>(options: {
  file: string;
  prepare(sqlite: Database.Database): T;
  /** What the operator can do about a damaged file, for the error message. */
  recovery?: string;
}): OpenDatabaseFile<T> {
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
    // Several processes (a server, `npm run seed`, `npm run jobs`, `npm run keys`) may write one file: wait, don't fail.
    sqlite.pragma('busy_timeout = 5000');
    const problem = integrityProblem(sqlite);
    if (problem) throw new DatabaseFileError(options.file, problem, options.recovery);
    const prepared = options.prepare(sqlite);
    stats.statements = 0;
    return { sqlite, stats, prepared };
  } catch (error) {
    sqlite?.close();
    if (error instanceof DatabaseFileError) throw error;
    const problem = fileProblem(error) ?? fileProblem((error as { cause?: unknown })?.cause);
    if (problem) throw new DatabaseFileError(options.file, problem, options.recovery);
    throw error;
  }
}
