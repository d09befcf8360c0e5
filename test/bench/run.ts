/**
 * `npm run bench`: boots the whole graph (four subgraphs + gateway, seeded), warms it up, then drives each client
 * operation through the gateway with autocannon and reports requests/s, p50/p99 latency and SQL statements per
 * request, as a table on stdout and as JSON in `data/bench/latest.json`. A benchmark reports numbers; it asserts
 * nothing, which is why it is not part of `npm test`. Settings: see README.md beside this file.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startTestGraph, type TestGraph } from '../support/graph.ts';
import { LIFE_FEED, LIVE_ROOM, MERCHANT_PAGE, NEARBY_DEALS, WALLET, WEST_LAKE } from '../support/operations.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Reads a whole-number setting from the environment once, failing fast with a readable message. */
function intSetting(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be a whole number >= ${min}, got "${raw}"`);
  return value;
}

const settings = {
  connections: intSetting('BENCH_CONNECTIONS', 10, 1),
  durationSeconds: intSetting('BENCH_DURATION', 10, 1),
  warmupSeconds: intSetting('BENCH_WARMUP', 3, 0),
  scale: intSetting('BENCH_SCALE', 1, 1),
  // One worker thread fires the load, so the client does not share the graph's event loop and skew its latencies.
  workers: intSetting('BENCH_WORKERS', 1, 0),
};
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()) ?? null;
const outFile = path.resolve(ROOT, process.env.BENCH_OUT ?? 'data/bench/latest.json');

/** The five operations of test/support/operations.ts, sent as the client teams send them. */
interface Operation {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** A signed-in user, sent as an `Authorization: Bearer` token. */
  as?: string;
}
const OPERATIONS: Operation[] = [
  { name: 'LifeFeed', query: LIFE_FEED, variables: { first: 10, near: WEST_LAKE }, as: 'usr_alice' },
  { name: 'NearbyDeals', query: NEARBY_DEALS, variables: { at: WEST_LAKE, radius: 3000 } },
  { name: 'Wallet', query: WALLET, variables: {}, as: 'usr_alice' },
  { name: 'MerchantPage', query: MERCHANT_PAGE, variables: { id: 'mer_kfc', n: 5 } },
  { name: 'LiveRoom', query: LIVE_ROOM, variables: { id: 'lvs_kfc_1' } },
];

interface Measured {
  name: string;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; mean: number };
  /** SQL statements of one request sent alone: exact, and the number to compare between commits. */
  sqlStatementsPerRequest: number;
  /** All statements during the load run divided by the requests sent: should match the exact number. */
  sqlStatementsPerRequestUnderLoad: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** The request autocannon fires: the operation as a client sends it, with a bearer token for a signed-in user. */
async function requestOf(graph: TestGraph, op: Operation) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (op.as) headers.authorization = `Bearer ${await graph.tokenFor({ user: op.as, expiresIn: '1h' })}`;
  const body = JSON.stringify({ query: op.query, variables: op.variables });
  return { url: graph.gateway.url, method: 'POST' as const, headers, body };
}

/** Sends the operation once, with the load's headers, and counts its SQL statements; throws if it has errors. */
async function probe(graph: TestGraph, op: Operation, headers: Record<string, string>) {
  const before = graph.statementCount();
  const { status, body } = await graph.query(op.query, { variables: op.variables, headers });
  if (status !== 200 || body.errors) {
    const detail = body.errors?.map((e) => e.message).join('; ') ?? '';
    throw new Error(`${op.name} answered HTTP ${status} ${detail}: benchmarking errors would mean nothing`);
  }
  return graph.statementCount() - before;
}

/**
 * Waits until no SQL has run for a moment. autocannon resolves when its time is up, while the graph may still be
 * answering the last requests; their statements must not be counted for the next measurement.
 */
async function settle(graph: TestGraph) {
  let last = -1;
  while (graph.statementCount() !== last) {
    last = graph.statementCount();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function measure(graph: TestGraph, op: Operation): Promise<Measured> {
  const request = await requestOf(graph, op);
  await settle(graph);
  const sqlStatementsPerRequest = await probe(graph, op, request.headers);
  const load = { ...request, connections: settings.connections, workers: settings.workers || undefined };
  if (settings.warmupSeconds > 0) await autocannon({ ...load, duration: settings.warmupSeconds });
  await settle(graph);
  const before = graph.statementCount();
  const result = await autocannon({ ...load, duration: settings.durationSeconds });
  // Requests still in flight when the run ended are answered during settle(): divide by every request sent.
  await settle(graph);
  const statements = graph.statementCount() - before;
  return {
    name: op.name,
    requestsPerSecond: round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, mean: round(result.latency.average) },
    sqlStatementsPerRequest,
    sqlStatementsPerRequestUnderLoad: result.requests.sent ? round(statements / result.requests.sent) : 0,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

function commit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

function printTable(rows: Measured[]) {
  const header = [
    'operation',
    'req/s',
    'p50 ms',
    'p99 ms',
    'sql/req',
    'sql/req (load)',
    'requests',
    'non-2xx',
    'errors',
  ];
  const lines = rows.map((r) =>
    [
      r.name,
      r.requestsPerSecond,
      r.latencyMs.p50,
      r.latencyMs.p99,
      r.sqlStatementsPerRequest,
      r.sqlStatementsPerRequestUnderLoad,
      r.requests,
      r.non2xx,
      r.errors + r.timeouts,
    ].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
}

async function main() {
  const selected = OPERATIONS.filter((op) => !only || only.includes(op.name));
  if (selected.length === 0)
    throw new Error(`BENCH_ONLY matches no operation; pick from ${OPERATIONS.map((o) => o.name)}`);
  console.error(
    `Booting the graph at seed scale ${settings.scale}; ${settings.connections} connections, ` +
      `${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s per operation...`,
  );
  const graph = await startTestGraph({ scale: settings.scale });
  const results: Measured[] = [];
  try {
    for (const op of selected) {
      console.error(`  ${op.name}`);
      results.push(await measure(graph, op));
    }
  } finally {
    await graph.stop();
  }
  printTable(results);
  const report = {
    generatedAt: new Date().toISOString(),
    commit: commit(),
    node: process.version,
    cpus: os.cpus().length,
    settings,
    operations: results,
  };
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`Wrote ${path.relative(ROOT, outFile)}`);
  const failed = results.filter((r) => r.non2xx + r.errors + r.timeouts > 0);
  if (failed.length > 0) {
    console.error(`Some requests failed (${failed.map((r) => r.name).join(', ')}): those numbers are not comparable.`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error((error as Error).message);
  process.exit(1);
});
