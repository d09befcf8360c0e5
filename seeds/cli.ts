import { parseArgs } from 'node:util';
import { exitIfDamagedDatabase } from '../subgraphs/contract/database-files.ts';
import { resolveDataDir } from '../subgraphs/contract/settings.ts';
import { SeedRefusedError, type SeedResult, seedDataDir } from './seed.ts';

const { values } = parseArgs({
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
