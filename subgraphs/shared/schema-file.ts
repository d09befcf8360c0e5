import { readFileSync } from 'node:fs';
import { type DocumentNode, parse } from 'graphql';

const COMMON_SDL = readFileSync(new URL('./common.graphql', import.meta.url), 'utf8');

/** A subgraph's full SDL: its own schema.graphql plus the shared value types. */
export function subgraphSdl(schemaFile: string): string {
  return `${readFileSync(schemaFile, 'utf8')}\n${COMMON_SDL}`;
}

export function subgraphTypeDefs(schemaFile: string): DocumentNode {
  return parse(subgraphSdl(schemaFile));
}
