import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { exitIfDamagedDatabase } from './contract/database-files.ts';
import {
  displayHost,
  loadSecrets,
  resolveDataDir,
  resolveHost,
  resolvePort,
  resolveWorkers,
  SUBGRAPH_NAMES,
  type SubgraphName,
} from './contract/settings.ts';
import { serveWorkers } from './contract/workers.ts';
import { SUBGRAPHS } from './index.ts';

/**
 * `npm run subgraph -- NAME [--port N] [--host H] [--workers N]`: one subgraph alone, on its own database in the data
 * directory. Also how `npm start` runs each subgraph, in a process of its own. With several workers (or
 * `LIFEGRAPH_<NAME>_WORKERS`) they share the port and the SQLite file: WAL and immediate write transactions
 * serialise their writers, and only the first worker runs the deadline jobs.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    workers: { type: 'string' },
  },
});
const name = positionals[0] as SubgraphName | undefined;
if (!name || !SUBGRAPH_NAMES.includes(name)) {
  console.error(`Usage: npm run subgraph -- <${SUBGRAPH_NAMES.join('|')}> [--port N] [--workers N]`);
  process.exit(2);
}
const dataDir = resolveDataDir(values['data-dir']);
const host = resolveHost(values.host);
// Read (or generated) before any worker is forked, so that every worker reads the same file.
const { subgraphSecret } = loadSecrets(dataDir);
await serveWorkers({
  name,
  workers: resolveWorkers(name, values.workers),
  port: resolvePort(name, values.port),
  start: async (port, role) => {
    const served = await SUBGRAPHS[name]
      .start({ dataDir, port, host, subgraphSecret, scheduler: role.scheduler })
      .catch(exitIfDamagedDatabase);
    // With several workers, the operator (and the workers test) can see which one runs the deadline jobs.
    if (role.scheduler && cluster.isWorker) console.error(`[${name}] the deadline jobs run in pid ${process.pid}`);
    return served;
  },
  ready: (port) => console.log(`${name} http://${displayHost(host)}:${port}/graphql`),
});
