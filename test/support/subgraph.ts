import { pino } from 'pino';
import { IDENTITY_HEADER, type Identity, signIdentity } from '../../subgraphs/contract/identity.ts';
import type { Clock } from '../../subgraphs/shared/context.ts';
import type { SubgraphDatabase } from '../../subgraphs/shared/db.ts';
import {
  openSubgraphDatabase,
  type StartedSubgraph,
  type SubgraphDefinition,
  startSubgraph,
} from '../../subgraphs/shared/server.ts';
import type { GraphQLResponseBody } from './graph.ts';
import { removeTestDataDir, testDataDir } from './temp.ts';

/** The secret a subgraph started by `startSeededSubgraph` verifies identities with. */
export const SUBGRAPH_TEST_SECRET = 'test-secret';

/** A GraphQL operation as POSTed to a subgraph. */
export interface Operation {
  query: string;
  variables?: Record<string, unknown>;
}

/**
 * POSTs an operation straight to a subgraph, bypassing the gateway, with `headers` added. Without a
 * signed identity header (see `signedIdentityHeader`) the subgraph refuses it with HTTP 401.
 */
export function postToSubgraph(url: string, operation: Operation, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(operation),
  });
}

/**
 * The header the gateway adds to every subgraph request: `identity`, signed with `secret`, and bound to
 * `operation` when one is given (as the gateway always does).
 */
export async function signedIdentityHeader(
  identity: Identity,
  secret: string,
  operation?: Operation,
): Promise<Record<string, string>> {
  return { [IDENTITY_HEADER]: signIdentity(identity, secret, operation && JSON.stringify(operation)) };
}

/**
 * POSTs an operation straight to a subgraph as `identity`, signed with `secret` the way the gateway signs
 * it, and returns the HTTP status and the parsed body.
 */
export async function querySubgraph<TBody = GraphQLResponseBody>(
  url: string,
  secret: string,
  identity: Identity,
  operation: Operation,
): Promise<{ status: number; body: TBody }> {
  const response = await postToSubgraph(url, operation, await signedIdentityHeader(identity, secret, operation));
  return { status: response.status, body: (await response.json()) as TBody };
}

/**
 * Starts one subgraph on a free port over a fresh temporary data directory that `seed` has written
 * (the database is migrated first, and closed before the subgraph opens it), with SUBGRAPH_TEST_SECRET.
 */
export async function startSeededSubgraph<TSchema extends Record<string, unknown>, TLoaders>(
  definition: SubgraphDefinition<TSchema, TLoaders>,
  seed: (db: SubgraphDatabase<TSchema>['db']) => void,
  options: { clock?: Clock } = {},
): Promise<StartedSubgraph<TSchema>> {
  const dataDir = testDataDir('lg-');
  const seeded = openSubgraphDatabase(definition, dataDir);
  seed(seeded.db);
  seeded.close();
  const subgraph = await startSubgraph(definition, {
    dataDir,
    port: 0,
    subgraphSecret: SUBGRAPH_TEST_SECRET,
    clock: options.clock,
    logger: pino({ level: 'silent' }),
  });
  return {
    ...subgraph,
    stop: async () => {
      await subgraph.stop();
      removeTestDataDir(dataDir);
    },
  };
}
