import { parseArgs } from 'node:util';
import { exitIfDamagedDatabase } from './contract/database-files.ts';
import { loadSecrets, resolveDataDir, resolvePort, SUBGRAPH_NAMES, type SubgraphName } from './contract/settings.ts';
import { stopOnSignals } from './contract/shutdown.ts';
import { SUBGRAPHS } from './index.ts';

/**
 * `npm run subgraph -- NAME [--port N]`: one subgraph alone, on its own database in the data directory. Also
 * how `npm start` runs each subgraph, in a process of its own.
 */
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
const subgraph = await SUBGRAPHS[name]
  .start({
    dataDir,
    port: resolvePort(name, values.port),
    subgraphSecret: loadSecrets(dataDir).subgraphSecret,
  })
  .catch(exitIfDamagedDatabase);
console.log(`${name} http://localhost:${subgraph.port}/graphql`);
stopOnSignals(() => subgraph.stop());
