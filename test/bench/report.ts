import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ComparedOperation, Target } from './compare.ts';
import type { InProcessResult } from './inprocess.ts';
import { round } from './load.ts';
import { ROOT, type Settings } from './settings.ts';

/** Prints rows under a header, the first `left` columns (names) left-aligned and the others right-aligned. */
function printTable(header: string[], rows: (string | number)[][], left = 1) {
  const lines = rows.map((row) => row.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    cells.map((c, i) => (i < left ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
}

/** The comparison: per operation a row for each target and one for the ratio ours / baseline. */
export function printComparison(rows: ComparedOperation[]) {
  const header = [
    'operation',
    'target',
    'req/s',
    'p50 ms',
    'p99 ms',
    'gw cpu ms/req',
    'gw cpu %',
    'sg cpu ms/req',
    'sql/req',
    'kB/resp',
    'failed',
  ];
  const lines: (string | number)[][] = [];
  for (const op of rows) {
    for (const target of ['ours', 'baseline'] as Target[]) {
      const r = op[target];
      const first = op.order[0] === target ? ' (1st)' : '';
      lines.push([
        op.name,
        target + first,
        r.requestsPerSecond,
        r.latencyMs.p50,
        r.latencyMs.p99,
        r.gatewayCpuMsPerRequest,
        r.gatewayCpuPercent,
        r.subgraphCpuMsPerRequest,
        op.sqlStatementsPerRequest,
        (op.responseBytes / 1000).toFixed(1),
        r.non2xx + r.errors + r.timeouts,
      ]);
    }
    const { ratio } = op;
    lines.push([
      '',
      'ours/base',
      ratio.requestsPerSecond,
      '',
      '',
      ratio.gatewayCpuPerRequest,
      '',
      ratio.subgraphCpuPerRequest,
      '',
      '',
      '',
    ]);
  }
  printTable(header, lines, 2);
  for (const op of rows) {
    if (!op.gatewayCpuRatioRounds) continue;
    const rounds = op.gatewayCpuRatioRounds.join(', ');
    console.log(`${op.name}: gateway CPU ratio per round ${rounds}; the rows above are the median round's`);
  }
}

/** `BENCH_MODE=inprocess`: the table of the whole graph in one process. */
export function printInProcess(rows: InProcessResult[]) {
  printTable(
    ['operation', 'req/s', 'p50 ms', 'p99 ms', 'sql/req', 'sql/req (load)', 'requests', 'non-2xx', 'errors'],
    rows.map((r) => [
      r.name,
      r.requestsPerSecond,
      r.latencyMs.p50,
      r.latencyMs.p99,
      r.sqlStatementsPerRequest,
      r.sqlStatementsPerRequestUnderLoad,
      r.requests,
      r.non2xx,
      r.errors + r.timeouts,
    ]),
  );
}

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

/** Writes the JSON report (the numbers of the table, with the run's settings and machine) to `file`. */
export function writeReport(file: string, settings: Settings, details: Record<string, unknown>) {
  const report = {
    generatedAt: new Date().toISOString(),
    commit: commit(),
    node: process.version,
    // The machine's cores: this process may be pinned to some of them by now.
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    // Anything else running on the machine skews every number: the lead reads this before trusting them.
    loadAverageAtEnd: os.loadavg().map(round),
    settings,
    ...details,
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`Wrote ${path.relative(ROOT, file)}`);
}
