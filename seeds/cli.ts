import { parseCommandLine } from '../subgraphs/contract/command-line.ts';
import { exitIfDamagedDatabase } from '../subgraphs/contract/database-files.ts';
import { resolveDataDir } from '../subgraphs/contract/settings.ts';
import { SeedRefusedError, type SeedResult, seedDataDir } from './seed.ts';

const { values } = parseCommandLine({
  command: 'npm run seed',
  usage: `Usage: npm run seed -- [--scale N] [--reset] [--data-dir DIR]
Creates, migrates and seeds each subgraph's database in the data directory; a seeded database is kept.
  --scale N       how much data, from 1 to 1000 (default 1)
  --reset         delete the graph's databases first (refused while a process of the graph uses them)
  --data-dir DIR  the data directory (default LIFEGRAPH_DATA_DIR, else ./data)
Prints one line per database on stdout: name, action, scale, milliseconds; progress goes to stderr.`,
  options: {
    scale: { type: 'string', default: '1' },
    reset: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
  },
});
const scale = Number(values.scale);
if (!Number.isInteger(scale) || scale < 1 || scale > 1000) {
  console.error(`--scale must be an integer between 1 and 1000, got "${values.scale}".`);
  process.exit(2);
}
const dataDir = resolveDataDir(values['data-dir']);
const started = Date.now();
// Progress goes to stderr so that `npm run -s seed` prints only the result on stdout.
let results: SeedResult[];
try {
  results = seedDataDir(dataDir, { scale, reset: values.reset, onProgress: (m) => console.error(m) });
} catch (error) {
  // A damaged database is named with what to do, without a stack trace (npm start shows this too).
  if (!(error instanceof SeedRefusedError)) exitIfDamagedDatabase(error);
  console.error(error.message);
  process.exit(1);
}
for (const r of results) console.log(`${r.subgraph}\t${r.action}\tscale ${r.scale}\t${r.milliseconds} ms`);
console.error(`done in ${Date.now() - started} ms (data directory ${dataDir})`);
