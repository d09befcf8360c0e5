import { parseArgs } from 'node:util';
import { seedDataDir } from '../../seeds/seed.ts';
import {
  type DEFAULT_PORTS,
  loadSecrets,
  resolveDataDir,
  resolvePort,
  SUBGRAPH_NAMES,
} from '../../subgraphs/contract/index.ts';
import { exitIfDamagedDatabase } from '../../subgraphs/shared/db.ts';
import { stopOnSignals } from '../../subgraphs/shared/shutdown.ts';
import { userTokenConfigFromEnv } from '../auth/user-token.ts';
import { startLocalGraph } from '../local-graph.ts';

/** `npm start`: the whole graph on embedded SQLite, created, migrated and seeded on first run. */
const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, port: { type: 'string' } } });
const dataDir = resolveDataDir(values['data-dir']);
const secrets = loadSecrets(dataDir);
try {
  for (const r of seedDataDir(dataDir, { onProgress: (m) => console.error(`[seed] ${m}`) })) {
    if (r.action === 'seeded') console.error(`[seed] ${r.subgraph} seeded at scale ${r.scale}`);
  }
} catch (error) {
  exitIfDamagedDatabase(error);
}
const ports = {
  gateway: resolvePort('gateway', values.port),
  ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, resolvePort(name)])),
} as typeof DEFAULT_PORTS;
const { secret: _secret, ...userTokens } = userTokenConfigFromEnv(secrets.jwtSecret);
const graph = await startLocalGraph({
  dataDir,
  secrets,
  ports,
  userTokens,
  production: process.env.NODE_ENV === 'production',
}).catch(exitIfDamagedDatabase);
for (const name of SUBGRAPH_NAMES)
  console.log(`${name.padEnd(9)} ${graph.subgraphs[name].url.replace('127.0.0.1', 'localhost')}`);
console.log(`gateway   http://localhost:${graph.gateway.port}/graphql  (open it in a browser for Apollo Sandbox)`);

// Gateway first: it finishes every request in flight while the subgraphs those requests call are still up.
stopOnSignals(() => graph.stop((part) => console.error(`stopped ${part}`)));
