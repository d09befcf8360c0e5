import { parseArgs } from 'node:util';
import { loadSecrets, resolveDataDir, resolvePort, SUBGRAPH_NAMES, type SubgraphName } from '../contract/settings.ts';
import { SUBGRAPHS } from '../index.ts';
import { exitIfDamagedDatabase } from './db.ts';
import { startSubgraph } from './server.ts';
import { stopOnSignals } from './shutdown.ts';

/** `npm run subgraph -- NAME [--port N]`: one subgraph alone, on its own database in the data directory. */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { port: { type: 'string' }, 'data-dir': { type: 'string' } },
});
const name = positionals[0] as SubgraphName | undefined;
if (!name || !SUBGRAPH_NAMES.includes(name)) {
  console.error(`Usage: npm run subgraph -- <${SUBGRAPH_NAMES.join('|')}> [--port N]`);
  process.exit(2);
}
const dataDir = resolveDataDir(values['data-dir']);
const subgraph = await startSubgraph(SUBGRAPHS[name], {
  dataDir,
  port: resolvePort(name, values.port),
  subgraphSecret: loadSecrets(dataDir).subgraphSecret,
}).catch(exitIfDamagedDatabase);
console.log(`${name} http://localhost:${subgraph.port}/graphql`);
stopOnSignals(() => subgraph.stop());
