import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Every process serving a subgraph over a data directory leaves `<dataDir>/run/<name>-<pid>.pid` while it
 * runs, so operator commands that would pull the databases from under it (`seed --reset`) can refuse.
 * A process killed with SIGKILL leaves its file behind; a file whose pid is not alive is ignored and removed.
 */
const RUN_DIR = 'run';
const PID_FILE = /^(.+)-(\d+)\.pid$/;

/** A process that registered itself as serving a data directory. */
export interface RunningProcess {
  name: string;
  pid: number;
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
  writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
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
    if (isAlive(pid)) running.push({ name: match[1] as string, pid, file });
    else rmSync(file, { force: true });
  }
  return running;
}
