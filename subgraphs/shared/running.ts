import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { RUN_DIR } from '../contract/settings.ts';

/**
 * Every process that opens the databases of a data directory (a subgraph, `npm run jobs`, a seed) leaves
 * `<dataDir>/run/<name>-<pid>.pid` (its pid and host name) while it runs, so operator commands that would
 * pull the databases from under it (`seed --reset`) can refuse and say which process to stop. A process killed
 * with SIGKILL leaves its file behind: a file of this host whose pid is not alive is ignored and removed. A pid
 * of another host (or of another pid namespace) cannot be checked from here, so pid files are only the message:
 * `takeDatabasesAlone` asks SQLite itself whether any other connection has a database open.
 */
const PID_FILE = /^(.+)-(\d+)\.pid$/;

/** A process that registered itself as serving a data directory. */
export interface RunningProcess {
  name: string;
  pid: number;
  /** Set when the process runs on another host: it cannot be checked from here, so it is never removed. */
  host?: string;
  file: string;
}

// One exit listener for every registration of this process, however many subgraphs it serves.
const registered = new Set<string>();
let exitHookInstalled = false;

/** Records that this process serves `name` over `dataDir`; the returned function (and process exit) removes it. */
export function registerRunning(dataDir: string, name: string): () => void {
  const dir = path.join(dataDir, RUN_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${name}-${process.pid}.pid`);
  writeFileSync(file, `${process.pid}\n${hostname()}\n`, { mode: 0o600 });
  registered.add(file);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const f of registered) rmSync(f, { force: true });
    });
  }
  return () => {
    registered.delete(file);
    rmSync(file, { force: true });
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live processes registered over `dataDir`; stale registrations (dead pids) are removed on the way. */
export function runningProcesses(dataDir: string): RunningProcess[] {
  const dir = path.join(dataDir, RUN_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const running: RunningProcess[] = [];
  for (const entry of names) {
    const match = PID_FILE.exec(entry);
    if (!match) continue;
    const file = path.join(dir, entry);
    const pid = Number(match[2]);
    const host = hostOf(file);
    if (host !== undefined && host !== hostname()) running.push({ name: match[1] as string, pid, host, file });
    else if (isAlive(pid)) running.push({ name: match[1] as string, pid, file });
    else rmSync(file, { force: true });
  }
  return running;
}

/** The host a pid file was written on (its second line); undefined for a file without one (this host's). */
function hostOf(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').split('\n')[1]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Either every database is now held by this process alone (until `release`), or `busy` names one that is not. */
export type DatabasesAlone = { busy: null; release(): void } | { busy: string };

/**
 * Takes an exclusive lock on each existing SQLite file in `files`, or fails naming the first one another
 * connection has open. SQLite refuses to leave WAL mode (`journal_mode = DELETE`) while any other connection,
 * of any process in any pid namespace that shares the file, has the database open: the kernel's file locks
 * say so, whatever the pid files say. Held until `release`, the locks also keep a graph that starts
 * meanwhile from opening the files. A file SQLite cannot read as a database is not open in any graph (they
 * refuse such files) and is skipped.
 */
export function takeDatabasesAlone(files: readonly string[]): DatabasesAlone {
  const held: Database.Database[] = [];
  const release = () => {
    for (const connection of held.splice(0)) connection.close();
  };
  for (const file of files) {
    if (!existsSync(file)) continue;
    let connection: Database.Database | undefined;
    try {
      connection = new Database(file, { fileMustExist: true, timeout: 0 });
      connection.pragma('locking_mode = EXCLUSIVE');
      if (connection.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') {
        connection.close();
        release();
        return { busy: file };
      }
      // In exclusive locking mode the lock taken by a write transaction is kept until the connection closes.
      connection.exec('BEGIN EXCLUSIVE; COMMIT;');
      held.push(connection);
    } catch (error) {
      connection?.close();
      const code = (error as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
        release();
        return { busy: file };
      }
      if (!/^SQLITE_(NOTADB|CORRUPT)/.test(code)) {
        release();
        throw error;
      }
    }
  }
  return { busy: null, release };
}
