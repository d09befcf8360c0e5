import cluster from 'node:cluster';
import {
  EXIT_START_FAILED,
  exitOnPortInUse,
  exitWithUsageError,
  orExitOnBadSetting,
  parseCommandLine,
} from './contract/command-line.ts';
import { exitIfDamagedDatabase } from './contract/database-files.ts';
import { checkEnvironment } from './contract/environment.ts';
import {
  displayHost,
  loadSecrets,
  portSource,
  resolveDataDir,
  resolveHost,
  resolvePort,
  resolveWorkers,
  SUBGRAPH_NAMES,
  type SubgraphName,
} from './contract/settings.ts';
import { serveWorkers } from './contract/workers.ts';
import { SUBGRAPHS } from './index.ts';
import { checkEventSettings } from './shared/events/settings.ts';

/**
 * `npm run subgraph -- NAME [--port N] [--host H] [--workers N]`: one subgraph alone, on its own database in the data
 * directory. Also how `npm start` runs each subgraph, in a process of its own. With several workers (or
 * `LIFEGRAPH_<NAME>_WORKERS`) they share the port and the SQLite file: WAL and immediate write transactions
 * serialise their writers, and only the first worker runs the deadline jobs.
 */
const USAGE = `Usage: npm run subgraph -- <${SUBGRAPH_NAMES.join('|')}> [--port N] [--host H] [--workers N] [--data-dir DIR]
Serves one subgraph alone, on its own database in the data directory.
  --port N        port to listen on (default LIFEGRAPH_<NAME>_PORT, else its default 4001-4004; 0 = any free port)
  --host H        address to bind (default LIFEGRAPH_HOST, else 127.0.0.1, or 0.0.0.0 in production)
  --workers N     processes sharing the port (default LIFEGRAPH_<NAME>_WORKERS, else 1)
  --data-dir DIR  the data directory (default LIFEGRAPH_DATA_DIR, else ./data)`;
const { values, positionals } = parseCommandLine({
  command: 'npm run subgraph',
  usage: USAGE,
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    workers: { type: 'string' },
  },
});
const name = positionals[0] as SubgraphName | undefined;
if (!name || !SUBGRAPH_NAMES.includes(name) || positionals.length > 1) {
  exitWithUsageError(`Usage: npm run subgraph -- <${SUBGRAPH_NAMES.join('|')}> [--port N] [--host H] [--workers N]`);
}
// Every setting is checked before anything is read or started: a bad one is one line naming it, and exit 2.
orExitOnBadSetting(() => checkEnvironment());
orExitOnBadSetting(() => checkEventSettings());
const dataDir = orExitOnBadSetting(() => resolveDataDir(values['data-dir']));
const host = orExitOnBadSetting(() => resolveHost(values.host));
const port = orExitOnBadSetting(() => resolvePort(name, values.port));
const workers = orExitOnBadSetting(() => resolveWorkers(name, values.workers));
// Read (or generated) before any worker is forked, so that every worker reads the same file.
const { subgraphSecret } = orExitOnBadSetting(() => loadSecrets(dataDir), EXIT_START_FAILED);
await serveWorkers({
  name,
  workers,
  port,
  start: async (port, role) => {
    const served = await SUBGRAPHS[name]
      .start({ dataDir, port, host, subgraphSecret, scheduler: role.scheduler })
      .catch((error: unknown) => {
        exitOnPortInUse(error, portSource(name, values.port));
        return exitIfDamagedDatabase(error);
      });
    // With several workers, the operator (and the workers test) can see which one runs the deadline jobs.
    if (role.scheduler && cluster.isWorker) console.error(`[${name}] the deadline jobs run in pid ${process.pid}`);
    return served;
  },
  ready: (port) => console.log(`${name} http://${displayHost(host)}:${port}/graphql`),
});
