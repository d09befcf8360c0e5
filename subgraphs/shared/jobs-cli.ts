import { parseArgs } from 'node:util';
import { SUBGRAPHS } from '../index.ts';
import { resolveDataDir, SUBGRAPH_NAMES } from './config.ts';
import { runJobsOnce } from './jobs.ts';
import { openSubgraphDatabase } from './server.ts';

/** `npm run jobs -- run-once [--at ISO-TIME]`: applies every deadline rule of every subgraph once. */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { at: { type: 'string' }, 'data-dir': { type: 'string' } },
});
if (positionals[0] !== 'run-once') {
  console.error('Usage: npm run jobs -- run-once [--at 2026-12-01T00:00:00Z] [--data-dir DIR]');
  process.exit(2);
}
const now = values.at ? new Date(values.at) : new Date();
if (Number.isNaN(now.getTime())) {
  console.error(`--at must be an ISO date-time, got "${values.at}".`);
  process.exit(2);
}
const dataDir = resolveDataDir(values['data-dir']);
for (const name of SUBGRAPH_NAMES) {
  const definition = SUBGRAPHS[name];
  if (!definition.jobs?.length) continue;
  const database = openSubgraphDatabase(definition, dataDir);
  try {
    for (const run of runJobsOnce(definition.jobs, database.db, now)) {
      console.log(`${name}\t${run.job}\t${run.processed}`);
    }
  } finally {
    database.close();
  }
}
