import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parseCommandLine } from '../subgraphs/contract/command-line.ts';
import { DEFAULT_PORTS, SUBGRAPH_NAMES } from '../subgraphs/contract/settings.ts';
import { subgraphTypeDefs } from '../subgraphs/shared/schema-file.ts';

/** Where the committed supergraph lives; the gateway reads this file. */
export const SUPERGRAPH_FILE = fileURLToPath(new URL('./supergraph.graphql', import.meta.url));

/** Composes the four subgraph schemas (with the default local URLs) into a supergraph SDL. */
export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPH_NAMES.map((name) => ({
      name,
      url: `http://localhost:${DEFAULT_PORTS[name]}/graphql`,
      typeDefs: subgraphTypeDefs(fileURLToPath(new URL(`../subgraphs/${name}/schema.graphql`, import.meta.url))),
    })),
  );
  if (result.errors) {
    const details = result.errors.map((e) => `  - ${e.message}`).join('\n');
    throw new Error(`Composition failed with ${result.errors.length} error(s):\n${details}`);
  }
  return result.supergraphSdl;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  parseCommandLine({
    command: 'npm run compose',
    usage: `Usage: npm run compose
Composes the four subgraph schemas into schema/supergraph.graphql; prints the file written on stdout.`,
    options: {},
  });
  try {
    writeFileSync(SUPERGRAPH_FILE, composeSupergraph());
    console.log(`Wrote ${SUPERGRAPH_FILE}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
