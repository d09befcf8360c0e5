/**
 * `npm run bench`: drives each client operation (and one large one) through our gateway and through a plain
 * `@apollo/gateway` + `@apollo/server` baseline, each in a process of its own over the same subgraph processes, and
 * reports requests/s, p50/p99 latency, gateway and subgraph CPU per request, SQL statements per request and the
 * ratio ours / baseline, as a table on stdout and as JSON in `data/bench/latest.json`. `BENCH_MODE=inprocess`
 * drives the whole graph in this one process instead. A benchmark reports numbers; it asserts nothing, which is
 * why it is not part of `npm test`. Settings: see README.md beside this file.
 */
import os from 'node:os';
import { compareGateways } from './compare.ts';
import { measureInProcess, startInProcessGraph } from './inprocess.ts';
import { failed } from './load.ts';
import { printComparison, printInProcess, writeReport } from './report.ts';
import { type Operation, outFile, selectedOperations, settings } from './settings.ts';

const progress = (line: string) => console.error(line);

/**
 * Deduplication is opt-in and the benchmark measures without it unless BENCH_GATEWAY_DEDUP=on (ours only); the
 * processes run one worker each unless BENCH_GATEWAY_WORKERS says otherwise for our gateway. Whatever the
 * environment says.
 */
function plainEnvironment() {
  for (const key of Object.keys(process.env).filter((k) => /^LIFEGRAPH_\w*(DEDUP\w*|_WORKERS)$/i.test(k))) {
    progress(`Ignoring ${key}: the benchmark sets deduplication (BENCH_GATEWAY_DEDUP) and workers itself`);
    delete process.env[key];
  }
}

async function compare(operations: Operation[]) {
  plainEnvironment();
  const { placement, operations: results } = await compareGateways(operations, settings, progress);
  console.log(
    `${placement.note}; our gateway's caches ${settings.gatewayCaches}, deduplication ${settings.gatewayDedup}, ` +
      `LOG_LEVEL ${process.env.LOG_LEVEL ?? 'info (default)'}` +
      (settings.rate > 0 ? `; ${settings.rate} requests/s offered to each gateway` : '') +
      (settings.subgraphs === 'replay' ? '; subgraph answers replayed (BENCH_SUBGRAPHS=replay)' : ''),
  );
  printComparison(results);
  writeReport(outFile, settings, { placement, operations: results });
  return results.flatMap((r) =>
    [failed(r.ours) ? `${r.name} (ours)` : [], failed(r.baseline) ? `${r.name} (baseline)` : []].flat(),
  );
}

async function inProcess(operations: Operation[]) {
  const graph = await startInProcessGraph(settings.scale);
  const results = [];
  try {
    for (const op of operations) {
      progress(`  ${op.name}`);
      results.push(await measureInProcess(graph, op, settings));
    }
  } finally {
    await graph.stop();
  }
  printInProcess(results);
  writeReport(outFile, settings, { operations: results });
  return results.filter(failed).map((r) => r.name);
}

async function main() {
  const operations = selectedOperations();
  progress(
    `BENCH_MODE=${settings.mode}, seed scale ${settings.scale}, ${settings.connections} connections, ` +
      `${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s per operation and target; ` +
      `load average before: ${os.loadavg()[0]?.toFixed(2)} (anything else running skews every number)...`,
  );
  const failures = settings.mode === 'inprocess' ? await inProcess(operations) : await compare(operations);
  if (failures.length > 0) {
    console.error(`Some requests failed (${failures.join(', ')}): those numbers are not comparable.`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error((error as Error).message);
  process.exit(1);
});
