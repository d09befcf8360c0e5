// First, before @apollo/gateway loads: its usage telemetry off unless asked for.
import './apollo-telemetry.ts';
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import {
  displayHost,
  EXIT_START_FAILED,
  exitIfDamagedDatabase,
  exitOnPortInUse,
  loadSecrets,
  orExitOnBadSetting,
  parseCommandLine,
  portSource,
  resolveDataDir,
  resolveHost,
  resolvePort,
  resolveWorkers,
  serveWorkers,
} from '../../subgraphs/contract/index.ts';
import { createAuthenticator } from '../auth/authenticate.ts';
import { createUserTokenVerifier, userTokenConfigFromEnv } from '../auth/user-token.ts';
import { keyDatabaseFile } from '../keys/database.ts';
import { ApiKeyStore } from '../keys/store.ts';
import { MemoryBuckets } from '../rate-limit/bucket.ts';
import { serveBucketsToWorkers } from '../rate-limit/cluster-store.ts';
import { rateLimitsFromEnv } from '../rate-limit/settings.ts';
import { startGateway } from '../server.ts';
import { checkGatewayEnvironment } from '../settings.ts';
import { listSubgraphs, SUPERGRAPH_FILE, urlOverridesFromEnv } from '../supergraph.ts';

/**
 * `npm run gateway -- --supergraph FILE --port N [--host H] [--workers N]`: the gateway alone, serving any supergraph file.
 * Also how `npm start` runs the gateway, in a process of its own, told where each subgraph listens by
 * `LIFEGRAPH_<NAME>_PORT`. With several workers (or `LIFEGRAPH_GATEWAY_WORKERS`) they share the port, each with
 * its own connection to the key store.
 */
const { values } = parseCommandLine({
  command: 'npm run gateway',
  usage: `Usage: npm run gateway -- [--supergraph FILE] [--port N] [--host H] [--workers N] [--data-dir DIR]
Serves the gateway alone over a composed supergraph (default schema/supergraph.graphql).
  --port N        port to listen on (default LIFEGRAPH_GATEWAY_PORT, else 4000; 0 = any free port)
  --host H        address to bind (default LIFEGRAPH_HOST, else 127.0.0.1, or 0.0.0.0 in production)
  --workers N     processes sharing the port (default LIFEGRAPH_GATEWAY_WORKERS, else 1)
  --data-dir DIR  the data directory with the key store and secrets (default LIFEGRAPH_DATA_DIR, else ./data)
Settings: see the Configuration table in README.md.`,
  options: {
    supergraph: { type: 'string' },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    workers: { type: 'string' },
    host: { type: 'string' },
  },
});
// Every setting is checked before anything is read or started: a bad one is one line naming it, and exit 2.
orExitOnBadSetting(() => checkGatewayEnvironment());
const file = values.supergraph ?? SUPERGRAPH_FILE;
let supergraphSdl: string;
try {
  supergraphSdl = readFileSync(file, 'utf8');
} catch {
  console.error(`Cannot read supergraph file "${file}": pass --supergraph with a path to a composed supergraph.`);
  process.exit(2);
}
const dataDir = orExitOnBadSetting(() => resolveDataDir(values['data-dir']));
const host = orExitOnBadSetting(() => resolveHost(values.host));
const port = orExitOnBadSetting(() => resolvePort('gateway', values.port));
const workers = orExitOnBadSetting(() => resolveWorkers('gateway', values.workers));
// Read (or generated) before any worker is forked, so that every worker reads the same file.
const secrets = orExitOnBadSetting(() => loadSecrets(dataDir), EXIT_START_FAILED);

/** One gateway server in this process, over its own connection to the key store. */
async function start(port: number) {
  let apiKeys: ApiKeyStore;
  try {
    apiKeys = new ApiKeyStore(dataDir);
  } catch (error) {
    exitIfDamagedDatabase(error);
  }
  try {
    const gateway = await startGateway(
      {
        supergraphSdl,
        subgraphSecret: secrets.subgraphSecret,
        urlOverrides: urlOverridesFromEnv(listSubgraphs(supergraphSdl)),
        authenticate: createAuthenticator(createUserTokenVerifier(userTokenConfigFromEnv(secrets.jwtSecret)), apiKeys),
        production: process.env.NODE_ENV === 'production',
        databaseFiles: [keyDatabaseFile(dataDir)],
        partnerKeys: {
          rateLimitOf: (id) => apiKeys.rateLimitOf(id),
          recordUsage: (id, usage) => apiKeys.recordUsage(id, usage),
        },
      },
      port,
      host,
    );
    return {
      port: gateway.port,
      stop: async () => {
        await gateway.stop();
        apiKeys.close();
      },
    };
  } catch (error) {
    exitOnPortInUse(error, portSource('gateway', values.port));
    console.error(`The gateway could not load "${file}": ${(error as Error).message}`);
    process.exit(1);
  }
}

// Several workers without Redis share one bucket per caller, held here in the primary (never N x the limit).
if (workers > 1 && cluster.isPrimary && !rateLimitsFromEnv().redisUrl) serveBucketsToWorkers(new MemoryBuckets());
await serveWorkers({
  name: 'gateway',
  workers,
  port,
  start,
  ready: (port) => console.log(`gateway http://${displayHost(host)}:${port}/graphql serving ${file}`),
});
