// First, before @apollo/gateway loads: its usage telemetry off unless asked for.
import './apollo-telemetry.ts';
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import {
  displayHost,
  EXIT_START_FAILED,
  exitIfDamagedDatabase,
  exitOnPortInUse,
  exitWithUsageError,
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
import { AdminListenError, adminFromEnv } from '../http/admin.ts';
import { keyDatabaseFile } from '../keys/database.ts';
import { ApiKeyStore } from '../keys/store.ts';
import { MemoryBuckets } from '../rate-limit/bucket.ts';
import { serveBucketsToWorkers } from '../rate-limit/cluster-store.ts';
import { rateLimitsFromEnv } from '../rate-limit/settings.ts';
import { startGateway } from '../server.ts';
import { checkGatewayEnvironment } from '../settings.ts';
import { SUPERGRAPH_FILE, SupergraphError, urlOverridesFromEnv } from '../supergraph.ts';
import { displayUrl, fetchSupergraph, supergraphReloadFromEnv } from '../supergraph-reload-sources.ts';

/**
 * `npm run gateway -- --supergraph FILE --port N [--host H] [--workers N]`: the gateway alone, serving any supergraph file.
 * Also how `npm start` runs the gateway, in a process of its own, told where each subgraph listens by
 * `LIFEGRAPH_<NAME>_PORT`. With several workers (or `LIFEGRAPH_GATEWAY_WORKERS`) they share the port, each with
 * its own connection to the key store. The supergraph file (or `LIFEGRAPH_SUPERGRAPH_URL`) is watched: each worker
 * swaps in a valid new version without dropping a request (see supergraph-reload.ts).
 */
const { values } = parseCommandLine({
  command: 'npm run gateway',
  usage: `Usage: npm run gateway -- [--supergraph FILE] [--port N] [--host H] [--workers N] [--data-dir DIR] [--admin-port N]
Serves the gateway alone over a composed supergraph (default schema/supergraph.graphql, or LIFEGRAPH_SUPERGRAPH_URL),
reloading it when it changes.
  --supergraph FILE  the supergraph to serve and watch (not with LIFEGRAPH_SUPERGRAPH_URL)
  --port N        port to listen on (default LIFEGRAPH_GATEWAY_PORT, else 4000; 0 = any free port)
  --host H        address to bind (default LIFEGRAPH_HOST, else 127.0.0.1, or 0.0.0.0 in production)
  --workers N     processes sharing the port (default LIFEGRAPH_GATEWAY_WORKERS, else 1)
  --data-dir DIR  the data directory with the key store and secrets (default LIFEGRAPH_DATA_DIR, else ./data)
  --admin-port N  serve /metrics and detailed /readyz on this port too (default LIFEGRAPH_ADMIN_PORT, else none)
Settings: see the Configuration table in README.md.`,
  options: {
    supergraph: { type: 'string' },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    workers: { type: 'string' },
    host: { type: 'string' },
    'admin-port': { type: 'string' },
  },
});
// Every setting is checked before anything is read or started: a bad one is one line naming it, and exit 2.
orExitOnBadSetting(() => checkGatewayEnvironment());
const production = process.env.NODE_ENV === 'production';
const reload = supergraphReloadFromEnv();
const admin = orExitOnBadSetting(() => adminFromEnv(production, process.env, values['admin-port']));
if (reload.url && values.supergraph !== undefined) {
  exitWithUsageError('Give --supergraph FILE or LIFEGRAPH_SUPERGRAPH_URL, not both: the gateway serves one source.');
}
const file = values.supergraph ?? SUPERGRAPH_FILE;
/** Where the supergraph comes from, as messages name it. */
const origin = reload.url ? displayUrl(reload.url) : file;
let supergraphSdl: string;
if (reload.url) {
  try {
    supergraphSdl = await fetchSupergraph(reload.url);
  } catch (error) {
    console.error(`The gateway could not load "${origin}" (LIFEGRAPH_SUPERGRAPH_URL): ${(error as Error).message}.`);
    process.exit(EXIT_START_FAILED);
  }
} else {
  try {
    supergraphSdl = readFileSync(file, 'utf8');
  } catch {
    console.error(`Cannot read supergraph file "${file}": pass --supergraph with a path to a composed supergraph.`);
    process.exit(2);
  }
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
        supergraphSource: reload.url ? { url: reload.url, pollMs: reload.pollMs } : { file, pollMs: reload.pollMs },
        // A function: a reloaded supergraph's new subgraphs get their LIFEGRAPH_<NAME>_PORT too.
        urlOverrides: urlOverridesFromEnv,
        admin,
        authenticate: createAuthenticator(createUserTokenVerifier(userTokenConfigFromEnv(secrets.jwtSecret)), apiKeys),
        production,
        databaseFiles: [keyDatabaseFile(dataDir)],
        partnerKeys: {
          rateLimitOf: (id) => apiKeys.rateLimitOf(id),
          recordUsage: (id, usage) => apiKeys.recordUsage(id, usage),
        },
      },
      port,
      host,
    );
    if (gateway.adminUrl) adminUrl = gateway.adminUrl;
    return {
      port: gateway.port,
      stop: async () => {
        await gateway.stop();
        apiKeys.close();
      },
    };
  } catch (error) {
    exitOnPortInUse(error, portSource('gateway', values.port));
    console.error(startFailure(error));
    process.exit(EXIT_START_FAILED);
  }
}

/** The one line a failed start prints: only a supergraph error names the supergraph; anything else says what failed. */
function startFailure(error: unknown): string {
  const message = (error as Error).message?.split('\n')[0] ?? String(error);
  if (error instanceof SupergraphError) return `The gateway could not load "${origin}": ${message}`;
  if (error instanceof AdminListenError) return message;
  const { code, address } = error as NodeJS.ErrnoException & { address?: string };
  if (code === 'EADDRNOTAVAIL' || code === 'EACCES') {
    const source = values.host !== undefined ? '--host' : 'LIFEGRAPH_HOST or its default';
    return `The gateway cannot listen on ${address ?? host} (${source}): ${message}; use 0.0.0.0, 127.0.0.1 or an address of this machine.`;
  }
  return `The gateway could not start: ${message}`;
}

/** The admin listener's origin, once this process has one (printed with the ready line). */
let adminUrl: string | undefined;

// Several workers without Redis share one bucket per caller, held here in the primary (never N x the limit).
if (workers > 1 && cluster.isPrimary && !rateLimitsFromEnv().redisUrl) serveBucketsToWorkers(new MemoryBuckets());
await serveWorkers({
  name: 'gateway',
  workers,
  port,
  start,
  ready: (port) => {
    console.log(`gateway http://${displayHost(host)}:${port}/graphql serving ${origin}`);
    // On stderr: the ready line on stdout is what scripts (npm start) read.
    const at = adminUrl ?? (admin.port ? `http://${admin.host}:${admin.port}` : undefined);
    if (at) console.error(`gateway admin ${at} serving /metrics, /readyz`);
  },
});
