import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { type Part, type PartOptions, startPart } from '../../gateway/cli/parts.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/index.ts';
import type { Settings } from './settings.ts';

/** A serving process of the benchmark (a subgraph or a gateway) and where it listens. */
export interface Server {
  part: Part;
  pid: number;
  url: string;
  port: number;
}

/** Every line a part prints is dropped, but its last lines on stderr are kept to say why it failed. */
const QUIET: PartOptions = { stdout: () => {}, stderr: () => {} };

/** Starts `script` as a part of the benchmark; resolves when it prints its ready line (`<name> http://localhost:PORT/graphql`). */
export async function startServer(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Server> {
  const part = startPart(name, script, args, {
    ...QUIET,
    env,
    ready: new RegExp(`^${name} http://localhost:(\\d+)/graphql`),
  });
  const match = await part.ready;
  const port = Number(match?.[1]);
  if (part.pid === undefined) throw new Error(`${name} has no process id`);
  return { part, pid: part.pid, port, url: `http://127.0.0.1:${port}/graphql` };
}

/** Seeds `dataDir` at `scale` with `seeds/cli.ts`, in its own process as npm start does. */
export async function seed(dataDir: string, scale: number): Promise<void> {
  await startPart('seed', 'seeds/cli.ts', ['--scale', String(scale), '--data-dir', dataDir], QUIET).ready;
}

/** The four subgraphs, each in its own process on a free port over `dataDir`. */
export function startSubgraphs(dataDir: string): Promise<Server[]> {
  return Promise.all(
    SUBGRAPH_NAMES.map((name) => startServer(name, 'subgraphs/cli.ts', [name, '--port', '0', '--data-dir', dataDir])),
  );
}

/** A replaying stand-in (replay-subgraph.ts) in front of each subgraph, named as the subgraph it stands for. */
export async function startReplays(subgraphs: Server[]): Promise<Server[]> {
  return Promise.all(
    subgraphs.map((s) =>
      startServer(`replay-${s.part.name}`, 'test/bench/replay-subgraph.ts', [
        '--name',
        s.part.name,
        '--target',
        String(s.port),
      ]),
    ),
  );
}

/** The environment that tells a gateway where each subgraph (or the replay standing in for it) listens. */
export function subgraphPortsEnv(subgraphs: Server[]): Record<string, string> {
  return Object.fromEntries(
    subgraphs.map((s) => [`LIFEGRAPH_${s.part.name.replace(/^replay-/, '').toUpperCase()}_PORT`, String(s.port)]),
  );
}

/** Stops the servers in order, each group together; a failure to stop is reported, not thrown. */
export async function stopAll(groups: Server[][]): Promise<void> {
  for (const group of groups) {
    await Promise.all(
      group.map((s) =>
        s.part.stop().catch((error: Error) => console.error(`stopping ${s.part.name}: ${error.message}`)),
      ),
    );
  }
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** How processes are placed on cores, as the report says it. */
export interface Placement {
  pinned: boolean;
  /** The gateway's core and everyone else's (the subgraphs, the load generator), when pinned. */
  gatewayCpus?: string;
  otherCpus?: string;
  note: string;
}

/** The cores this process may run on, from the kernel (`Cpus_allowed_list`, e.g. `0-1`). */
function allowedCpus(): number[] {
  const line = readFileSync('/proc/self/status', 'utf8').match(/^Cpus_allowed_list:\s*(.+)$/m)?.[1] ?? '';
  return line.split(',').flatMap((range) => {
    const [from, to = from] = range.split('-').map(Number);
    return from === undefined || Number.isNaN(from)
      ? []
      : Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
  });
}

/** The gateway on the first core, the rest of the benchmark on the others, when taskset can and should do it. */
export function placement(settings: Settings): Placement {
  if (settings.gatewayWorkers !== null)
    return { pinned: false, note: 'nothing pinned: BENCH_GATEWAY_WORKERS gives our gateway every core' };
  const cpus = allowedCpus();
  if (cpus.length < 2 || !hasTaskset()) return { pinned: false, note: 'nothing pinned: no taskset or a single core' };
  const [gateway, ...others] = cpus;
  return {
    pinned: true,
    gatewayCpus: String(gateway),
    otherCpus: others.join(','),
    note: `taskset: each gateway on core ${gateway}, subgraphs and load generator on ${others.join(',')}`,
  };
}

/**
 * Pins `pid`, every thread of it and every process it started (gateway workers) to the cores of `cpus`
 * (`0`, `1-3`). Threads and processes started later inherit it from their parent.
 */
export function pin(pid: number, cpus: string): void {
  for (const each of withDescendants([pid])) {
    execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(each)], { stdio: 'ignore' });
  }
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces); field 3 is index 0. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** `pids` with every process they started, and those started (gateway workers), read from /proc once. */
function withDescendants(pids: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const child = Number(entry);
    const parent = Number.isInteger(child) ? Number(statFields(child)?.[1]) : Number.NaN;
    if (Number.isInteger(parent)) children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found = [...pids];
  for (let i = 0; i < found.length; i++) found.push(...(children.get(found[i] as number) ?? []));
  return found;
}

/**
 * CPU milliseconds (user + system, from the kernel's own accounting in /proc/<pid>/stat) used so far by `pids`
 * and the processes they started, summed.
 */
export function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of withDescendants(pids)) {
    const fields = statFields(pid);
    // utime and stime are fields 14 and 15 of stat(5).
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / CLOCK_TICKS;
}
