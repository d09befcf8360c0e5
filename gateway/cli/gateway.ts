import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  displayHost,
  exitIfDamagedDatabase,
  loadSecrets,
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
import { listSubgraphs, SUPERGRAPH_FILE, urlOverridesFromEnv } from '../supergraph.ts';

/**
 * `npm run gateway -- --supergraph FILE --port N [--host H] [--workers N]`: the gateway alone, serving any supergraph file.
 * Also how `npm start` runs the gateway, in a process of its own, told where each subgraph listens by
 * `LIFEGRAPH_<NAME>_PORT`. With several workers (or `LIFEGRAPH_GATEWAY_WORKERS`) they share the port, each with
 * its own connection to the key store.
 */
const { values } = parseArgs({
  options: {
    supergraph: { type: 'string' },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    workers: { type: 'string' },
    host: { type: 'string' },
  },
});
const file = values.supergraph ?? SUPERGRAPH_FILE;
let supergraphSdl: string;
try {
  supergraphSdl = readFileSync(file, 'utf8');
} catch {
  console.error(`Cannot read supergraph file "${file}": pass --supergraph with a path to a composed supergraph.`);
  process.exit(2);
}
const dataDir = resolveDataDir(values['data-dir']);
const host = resolveHost(values.host);
// Read (or generated) before any worker is forked, so that every worker reads the same file.
const secrets = loadSecrets(dataDir);

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
    console.error(`The gateway could not load "${file}": ${(error as Error).message}`);
    process.exit(1);
  }
}

const workers = resolveWorkers('gateway', values.workers);
// Several workers without Redis share one bucket per caller, held here in the primary (never N x the limit).
if (workers > 1 && cluster.isPrimary && !rateLimitsFromEnv().redisUrl) serveBucketsToWorkers(new MemoryBuckets());
await serveWorkers({
  name: 'gateway',
  workers,
  port: resolvePort('gateway', values.port),
  start,
  ready: (port) => console.log(`gateway http://${displayHost(host)}:${port}/graphql serving ${file}`),
});
