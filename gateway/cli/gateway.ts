import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';
import { loadSecrets, resolveDataDir, resolvePort } from '../../subgraphs/contract/index.ts';
import { exitIfDamagedDatabase } from '../../subgraphs/shared/db.ts';
import { stopOnSignals } from '../../subgraphs/shared/shutdown.ts';
import { createAuthenticator } from '../auth/authenticate.ts';
import { createUserTokenVerifier, userTokenConfigFromEnv } from '../auth/user-token.ts';
import { ApiKeyStore, keyDatabaseFile } from '../keys/store.ts';
import { startGateway } from '../server.ts';
import { listSubgraphs, urlOverridesFromEnv } from '../supergraph.ts';

/** `npm run gateway -- --supergraph FILE --port N`: the gateway alone, serving any supergraph file. */
const { values } = parseArgs({
  options: { supergraph: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' } },
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
const secrets = loadSecrets(dataDir);
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
    },
    resolvePort('gateway', values.port),
  );
  console.log(`gateway http://localhost:${gateway.port}/graphql serving ${file}`);
  stopOnSignals(async () => {
    await gateway.stop();
    apiKeys.close();
  });
} catch (error) {
  console.error(`The gateway could not load "${file}": ${(error as Error).message}`);
  process.exit(1);
}
