import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadSecrets, resolveDataDir } from '../../subgraphs/contract/index.ts';
import { startInProcessGraph, statementsOf } from './inprocess.ts';
import { answerOf, type LoadRequest, type LoadResult, load, loadWithWindow, requestOf, round } from './load.ts';
import {
  cpuMs,
  type Placement,
  pin,
  placement,
  type Server,
  seed,
  startReplays,
  startServer,
  startSubgraphs,
  stopAll,
  subgraphPortsEnv,
} from './processes.ts';
import { type Operation, ROOT, type Settings } from './settings.ts';

/** The two gateways every operation is driven through. */
export type Target = 'ours' | 'baseline';

/** One target's measurement of one operation. */
export interface TargetResult extends LoadResult {
  /** CPU ms (user + system) of the gateway process (and its workers) in the run's steady window, per response. */
  gatewayCpuMsPerRequest: number;
  /** The gateway's CPU in that window as a share of one core (100 = one core busy all the time). */
  gatewayCpuPercent: number;
  /** CPU ms of the four subgraph processes together in that window, per response. */
  subgraphCpuMsPerRequest: number;
}

/** One operation, measured through both targets. */
export interface ComparedOperation {
  name: string;
  /** Bytes of one answer (the same data from both). */
  responseBytes: number;
  /** Exact SQL statements of one request, counted once in an in-process graph seeded the same way. */
  sqlStatementsPerRequest: number;
  /** Which target was measured first: the order rotates from one operation to the next. */
  order: Target[];
  ours: TargetResult;
  baseline: TargetResult;
  /** Ours divided by the baseline's: below 1 is cheaper (CPU) or slower (req/s). */
  ratio: { requestsPerSecond: number; gatewayCpuPerRequest: number; subgraphCpuPerRequest: number };
  /** With BENCH_ROUNDS above 1: the gateway CPU ratio of each measured pair, in order (the report shows the median pair). */
  gatewayCpuRatioRounds?: number[];
}

/** Our gateway's settings that turn its caches off (0 entries): verified user tokens, per-operation analysis. */
const NO_GATEWAY_CACHES = { LIFEGRAPH_JWT_CACHE_SIZE: '0', LIFEGRAPH_OPERATION_CACHE_SIZE: '0' };
/**
 * Our gateway's buckets, as large as the settings allow: the load comes from one address and one user at hundreds of
 * requests per second, which the shipped limits would rightly throttle. Every request is still costed, taken from
 * its bucket and refunded, so the benchmark measures the rate limiter's work too.
 */
const BENCH_RATE_LIMITS = {
  LIFEGRAPH_RATE_LIMIT_ANONYMOUS: '100000:10000000',
  LIFEGRAPH_RATE_LIMIT_USER: '100000:10000000',
  // Each connection says which client it is (see clientPerConnection in load.ts): an anonymous bucket each.
  LIFEGRAPH_TRUSTED_PROXIES: '1',
};
/** Our gateway under the V8 profiler (BENCH_PROFILE=DIR): see cpu-profile.mjs. */
const PROFILED = (dir: string, nodeOptions = '') => ({
  NODE_OPTIONS: `${nodeOptions} --import ${path.join(ROOT, 'test/bench/cpu-profile.mjs')}`.trim(),
  BENCH_PROFILE_DIR: dir,
});
/** Our gateway's settings that turn both deduplications on (BENCH_GATEWAY_DEDUP=on). */
const GATEWAY_DEDUP = { LIFEGRAPH_DEDUP_REQUESTS: 'on', LIFEGRAPH_DEDUP_SUBGRAPH_FETCHES: 'on' };

/** A user token from `npm run token` (its documented flags), signed with the data directory's secret. */
function tokenFor(dataDir: string, user: string): string {
  return execFileSync(
    process.execPath,
    ['--import', 'tsx', 'gateway/cli/token.ts', '--user', user, '--expires-in', '12h', '--data-dir', dataDir],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  ).trim();
}

/** Waits until the processes have stopped working on the last requests (under 10 ms of CPU in 200 ms), 5 s at most. */
async function quiet(pids: number[]): Promise<void> {
  const until = Date.now() + 5000;
  let last = cpuMs(pids);
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = cpuMs(pids);
    if (now - last <= 10) return;
    last = now;
  }
}

/** The exact SQL statements of one request of each operation, from an in-process graph seeded at the same scale. */
async function countStatements(operations: Operation[], scale: number): Promise<Map<string, number>> {
  const graph = await startInProcessGraph(scale);
  try {
    const counts = new Map<string, number>();
    for (const op of operations) counts.set(op.name, await statementsOf(graph, op));
    return counts;
  } finally {
    await graph.stop();
  }
}

/** Our answer and the baseline's differ: both are written to files the error names, to compare them. */
function differentAnswers(op: Operation, answers: Record<Target, unknown>): Error {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lifegraph-bench-diff-'));
  const files = Object.entries(answers).map(([target, data]) => {
    const file = path.join(dir, `${op.name}.${target}.json`);
    writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
    return file;
  });
  return new Error(`${op.name}: our gateway and the baseline answer different data (see ${files.join(' and ')})`);
}

/**
 * The default mode: the four subgraphs in processes of their own over a fresh data directory seeded at `scale`,
 * our gateway and the plain Apollo baseline each in a process of its own on the same supergraph and subgraphs;
 * each operation checked on both, then measured through each in turn.
 */
export async function compareGateways(
  operations: Operation[],
  settings: Settings,
  progress: (line: string) => void,
): Promise<{ placement: Placement; operations: ComparedOperation[] }> {
  progress('Counting SQL statements in an in-process graph...');
  const statements = await countStatements(operations, settings.scale);
  const where = placement(settings);
  progress(where.note);
  // The runner (load generator) and everything it starts from now on (the subgraphs) run off the gateway's core.
  if (where.pinned && where.otherCpus) pin(process.pid, where.otherCpus);
  const dataDir = resolveDataDir(mkdtempSync(path.join(os.tmpdir(), 'lifegraph-bench-')));
  // Generated once, before any process starts, so that every one reads the same secrets file (as npm start does).
  loadSecrets(dataDir);
  const started: Server[][] = [];
  const cleanUp = async () => {
    await stopAll(started);
    rmSync(dataDir, { recursive: true, force: true });
  };
  // Ctrl-C stops the processes and removes the data directory too (the parts would stop on their own).
  const interrupted = () => cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    progress(`Seeding ${dataDir} at scale ${settings.scale}, starting the subgraphs and both gateways...`);
    await seed(dataDir, settings.scale);
    const subgraphs = await startSubgraphs(dataDir);
    started.unshift(subgraphs);
    // With replays, the gateways call them, and their CPU counts as the subgraphs' (they answer in their place).
    const replays = settings.subgraphs === 'replay' ? await startReplays(subgraphs) : [];
    if (replays.length > 0) started.unshift(replays);
    const ports = subgraphPortsEnv(replays.length > 0 ? replays : subgraphs);
    const workers = settings.gatewayWorkers === null ? [] : ['--workers', String(settings.gatewayWorkers)];
    const common = ['--port', '0', '--data-dir', dataDir];
    const gateways = await Promise.all([
      startServer('gateway', 'gateway/cli/gateway.ts', [...common, ...workers], {
        ...ports,
        ...BENCH_RATE_LIMITS,
        ...(settings.gatewayCaches === 'off' ? NO_GATEWAY_CACHES : {}),
        ...(settings.gatewayDedup === 'on' ? GATEWAY_DEDUP : {}),
        ...(settings.gatewayNodeOptions ? { NODE_OPTIONS: settings.gatewayNodeOptions } : {}),
        ...(settings.profileDir ? PROFILED(settings.profileDir, settings.gatewayNodeOptions) : {}),
      }),
      startServer('plain-gateway', 'test/bench/plain-gateway.ts', common, ports),
    ]);
    started.unshift(gateways);
    const [ours, baseline] = gateways as [Server, Server];
    if (where.pinned && where.gatewayCpus) for (const gateway of gateways) pin(gateway.pid, where.gatewayCpus);
    const targets: Record<Target, Server> = { ours, baseline };
    const subgraphPids = [...subgraphs, ...replays].map((s) => s.pid);
    const token = operations.some((op) => op.as) ? tokenFor(dataDir, 'usr_alice') : undefined;
    const results: ComparedOperation[] = [];
    for (const [i, op] of operations.entries()) {
      const requests: Record<Target, LoadRequest> = {
        ours: requestOf(ours.url, op, token),
        baseline: requestOf(baseline.url, op, token),
      };
      const answers = {
        ours: await answerOf(`${op.name} (ours)`, requests.ours),
        baseline: await answerOf(`${op.name} (baseline)`, requests.baseline),
      };
      if (!isDeepStrictEqual(answers.ours.data, answers.baseline.data))
        throw differentAnswers(op, { ours: answers.ours.data, baseline: answers.baseline.data });
      const orderOf = (round: number): Target[] =>
        (i + round) % 2 === 0 ? ['ours', 'baseline'] : ['baseline', 'ours'];
      // Both warmed up before either is measured: the one measured first must not meet colder subgraphs.
      // From this thread, as the measured runs are.
      if (settings.warmupSeconds > 0) {
        for (const target of orderOf(0))
          await load(requests[target], { ...settings, workers: 0 }, settings.warmupSeconds);
      }
      const pairs: ComparedOperation[] = [];
      for (let round = 0; round < settings.rounds; round++) {
        const order = orderOf(round);
        const measured: Partial<Record<Target, TargetResult>> = {};
        for (const target of order) {
          const of = settings.rounds > 1 ? ` (round ${round + 1} of ${settings.rounds})` : '';
          progress(`  ${op.name} through ${target}${of}`);
          measured[target] = await measure(requests[target], targets[target].pid, subgraphPids, settings);
        }
        const { ours: o, baseline: b } = measured as Record<Target, TargetResult>;
        pairs.push({
          name: op.name,
          responseBytes: answers.ours.bytes,
          sqlStatementsPerRequest: statements.get(op.name) ?? Number.NaN,
          order,
          ours: o,
          baseline: b,
          ratio: {
            requestsPerSecond: ratio(o.requestsPerSecond, b.requestsPerSecond),
            gatewayCpuPerRequest: ratio(o.gatewayCpuMsPerRequest, b.gatewayCpuMsPerRequest),
            subgraphCpuPerRequest: ratio(o.subgraphCpuMsPerRequest, b.subgraphCpuMsPerRequest),
          },
        });
      }
      results.push(medianPair(pairs));
    }
    return { placement: where, operations: results };
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await cleanUp();
  }
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : Number.NaN);

/**
 * Of several measured pairs, the one whose gateway CPU ratio is the median (the lower middle of an even count):
 * a pair measured side by side, so its numbers belong together, and the typical one on a machine whose runs vary.
 * Any pair with failed requests goes into the report's failures all the same: every pair's are summed into it.
 */
function medianPair(pairs: ComparedOperation[]): ComparedOperation {
  const sorted = [...pairs].sort((a, b) => a.ratio.gatewayCpuPerRequest - b.ratio.gatewayCpuPerRequest);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] as ComparedOperation;
  if (pairs.length === 1) return median;
  const failed = (target: Target) => ({
    non2xx: pairs.reduce((n, p) => n + p[target].non2xx, 0),
    errors: pairs.reduce((n, p) => n + p[target].errors, 0),
    timeouts: pairs.reduce((n, p) => n + p[target].timeouts, 0),
  });
  return {
    ...median,
    ours: { ...median.ours, ...failed('ours') },
    baseline: { ...median.baseline, ...failed('baseline') },
    gatewayCpuRatioRounds: pairs.map((p) => p.ratio.gatewayCpuPerRequest),
  };
}

/**
 * Drives one target for the run's duration, once the processes are quiet, reading its CPU and the subgraphs' over the run's
 * steady window (see loadWithWindow), per response received in it.
 */
async function measure(
  request: LoadRequest,
  gatewayPid: number,
  subgraphPids: number[],
  settings: Settings,
): Promise<TargetResult> {
  await quiet([gatewayPid, ...subgraphPids]);
  const { result, window } = await loadWithWindow(request, settings, settings.durationSeconds, () => ({
    gateway: cpuMs([gatewayPid]),
    subgraphs: cpuMs(subgraphPids),
  }));
  const responses = Math.max(window.responses, 1);
  const gatewayMs = window.end.gateway - window.start.gateway;
  return {
    ...result,
    gatewayCpuMsPerRequest: round(gatewayMs / responses),
    gatewayCpuPercent: round((gatewayMs / window.milliseconds) * 100),
    subgraphCpuMsPerRequest: round((window.end.subgraphs - window.start.subgraphs) / responses),
  };
}
