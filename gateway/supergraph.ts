import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Kind, parse } from 'graphql';

/** The committed supergraph (`npm run compose` writes it): what the gateway serves unless given another. */
export const SUPERGRAPH_FILE = fileURLToPath(new URL('../schema/supergraph.graphql', import.meta.url));

/**
 * The supergraph given cannot be served (unreadable, not GraphQL, not a supergraph, refused by composition): at
 * start the CLI names the file or URL it came from; on a reload the old supergraph keeps serving.
 */
export class SupergraphError extends Error {
  override name = 'SupergraphError';
}

/** The id of a supergraph: the sha256 of its text as read, in hex (what `sha256sum` prints for the file). */
export function supergraphHash(supergraphSdl: string): string {
  return createHash('sha256').update(supergraphSdl).digest('hex');
}

/** A subgraph as the supergraph declares it (`join__Graph` enum values with `@join__graph(name, url)`). */
export interface SupergraphSubgraph {
  name: string;
  url: string;
}

/** Lists the subgraphs of any supergraph SDL; throws with a readable message ("it has no ...") if it is not one. */
export function listSubgraphs(supergraphSdl: string): SupergraphSubgraph[] {
  const document = parse(supergraphSdl);
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    return (definition.values ?? []).map((value) => {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      const arg = (n: string) => {
        const node = directive?.arguments?.find((a) => a.name.value === n)?.value;
        return node?.kind === Kind.STRING ? node.value : '';
      };
      return { name: arg('name') || value.name.value.toLowerCase(), url: arg('url') };
    });
  }
  throw new Error('it has no join__Graph enum: compose one with `npm run compose`.');
}

/** Subgraph URLs by name, in place of the supergraph's: given, or computed from the supergraph's subgraphs. */
export type UrlOverrides = Record<string, string> | ((subgraphs: SupergraphSubgraph[]) => Record<string, string>);

/** Where the gateway calls a subgraph: its override, else the URL its supergraph declares (any supergraph, reloaded ones too). */
export function subgraphUrlOf(overrides: UrlOverrides | undefined): (subgraph: SupergraphSubgraph) => string {
  if (typeof overrides === 'function') return (subgraph) => overrides([subgraph])[subgraph.name] ?? subgraph.url;
  return (subgraph) => overrides?.[subgraph.name] ?? subgraph.url;
}

/**
 * URL overrides from the environment: a subgraph named `merchants` listens on `LIFEGRAPH_MERCHANTS_PORT`
 * when that is set, whatever port its URL in the supergraph file says.
 */
export function urlOverridesFromEnv(subgraphs: SupergraphSubgraph[], env = process.env): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const { name, url } of subgraphs) {
    const port = env[`LIFEGRAPH_${name.toUpperCase()}_PORT`];
    if (!port || !url) continue;
    const parsed = new URL(url);
    parsed.port = port;
    overrides[name] = parsed.toString();
  }
  return overrides;
}
