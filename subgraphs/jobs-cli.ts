import { parseCommandLine } from './contract/command-line.ts';
import { resolveDataDir, SUBGRAPH_NAMES } from './contract/settings.ts';
import { SUBGRAPHS } from './index.ts';
import { registerRunning } from './shared/running.ts';

/**
 * `npm run jobs -- run-once [--at ISO-TIME [--force]]`: applies every deadline rule of every subgraph once, as
 * of now or of `--at`. A time in the future is refused without `--force`: the rules would expire coupons, fail
 * groups and mark IOUs overdue before their deadlines, on whatever data the directory holds.
 */
const USAGE = 'Usage: npm run jobs -- run-once [--at 2026-12-01T00:00:00Z [--force]] [--data-dir DIR]';
const { values, positionals } = parseCommandLine({
  command: 'npm run jobs',
  usage: `${USAGE}
Applies every deadline rule of every subgraph once, as of now or of --at (a future time needs --force).
Prints one line per rule on stdout: subgraph, job, rows processed.`,
  allowPositionals: true,
  options: { at: { type: 'string' }, force: { type: 'boolean', default: false }, 'data-dir': { type: 'string' } },
});
if (positionals[0] !== 'run-once' || positionals.length > 1) {
  console.error(USAGE);
  process.exit(2);
}
/** Clock skew between machines that `--at` may run ahead of this one without `--force`. */
const FUTURE_TOLERANCE_MS = 60_000;
const now = values.at ? new Date(values.at) : new Date();
if (Number.isNaN(now.getTime())) {
  console.error(`--at must be an ISO date-time, got "${values.at}".`);
  process.exit(2);
}
const dataDir = resolveDataDir(values['data-dir']);
if (now.getTime() > Date.now() + FUTURE_TOLERANCE_MS && !values.force) {
  console.error(
    `Refusing to run the deadline jobs at ${now.toISOString()}, which is in the future: they would expire ` +
      'coupons, fail group buys and mark IOUs overdue before their real deadlines, on the data in ' +
      `${dataDir}. Pass --force if that is what you want (e.g. on a copy for a test).`,
  );
  process.exit(1);
}
// The jobs write the same databases a graph serves: registered (until exit) so that `seed --reset` refuses meanwhile.
registerRunning(dataDir, 'jobs');
for (const name of SUBGRAPH_NAMES) {
  for (const run of SUBGRAPHS[name].runJobsOnce(dataDir, now)) console.log(`${name}\t${run.job}\t${run.processed}`);
}
