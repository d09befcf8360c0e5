import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLFormattedError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** Codes a client can switch on when one subgraph failed and the rest of the answer is still there. */
export const SUBGRAPH_ERROR_CODES = {
  timeout: 'SUBGRAPH_TIMEOUT',
  unavailable: 'SUBGRAPH_UNAVAILABLE',
  circuitOpen: 'SUBGRAPH_CIRCUIT_OPEN',
} as const;

/** Why a subgraph fetch did not give an answer. */
export type FailureReason = 'timeout' | 'unavailable' | 'circuit_open' | 'client_closed' | 'refused';

/**
 * A subgraph fetch that ended without a usable answer. `countsAgainstSubgraph` tells the circuit breaker
 * whether the subgraph is to blame: a client that hung up or a request the subgraph refused (4xx) is not.
 */
export class SubgraphFetchFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    /** The subgraph's own error for a refused request (its message and code, never its URL or stack). */
    readonly refusal?: GraphQLFormattedError,
  ) {
    super(message);
  }

  get countsAgainstSubgraph(): boolean {
    return this.reason === 'timeout' || this.reason === 'unavailable';
  }
}

/** A non-2xx answer from a subgraph, without the URL that the gateway's default error would carry. */
export class SubgraphHttpError extends GraphQLError {
  constructor(
    readonly status: number,
    readonly firstError?: GraphQLFormattedError,
  ) {
    super(`HTTP ${status}`);
  }
}

/**
 * Turns whatever a subgraph fetch threw into a failure with a reason, using the signals (or anything that says
 * whether it has aborted: the fetch's timeout is a timer, not a signal of its own) to tell aborts apart.
 */
export function classifyFailure(
  error: unknown,
  signals: { timeout: { readonly aborted: boolean }; client?: { readonly aborted: boolean } },
): SubgraphFetchFailure {
  if (error instanceof SubgraphFetchFailure) return error;
  // The client check comes first: a client gone away is nobody's fault, even if the timer fired too.
  if (signals.client?.aborted) return new SubgraphFetchFailure('client_closed', 'the client closed the request');
  if (signals.timeout.aborted) return new SubgraphFetchFailure('timeout', 'timed out');
  if (error instanceof SubgraphHttpError) {
    const detail = `HTTP ${error.status}${error.firstError ? `: ${error.firstError.message}` : ''}`;
    // 401/403 at this level mean the subgraph refused the gateway's signed identity (a secret mismatch or a
    // clock problem): the gateway's fault, not the caller's, so the caller is not told to sign in again.
    if (error.status >= 500 || error.status === 401 || error.status === 403) {
      return new SubgraphFetchFailure('unavailable', detail);
    }
    return new SubgraphFetchFailure('refused', detail, error.firstError);
  }
  // Refused or reset connections, bodies that are not GraphQL JSON: the subgraph is not serving.
  return new SubgraphFetchFailure('unavailable', (error as Error)?.message ?? String(error));
}

/** What the client reads for each reason; it names the subgraph, never its URL, and says what to do. */
function clientMessage(
  failure: SubgraphFetchFailure,
  subgraph: string,
  details: { timeoutMs: number; cooldownMs: number; mutation: boolean },
): { message: string; code: string } {
  const restComplete = 'the rest of the data is complete. Retry later.';
  const rest = details.mutation
    ? 'it may or may not have applied the mutation: retry it with the same idempotencyKey.'
    : restComplete;
  switch (failure.reason) {
    case 'timeout':
      return {
        code: SUBGRAPH_ERROR_CODES.timeout,
        message: `The ${subgraph} service did not answer within ${details.timeoutMs} ms; ${rest}`,
      };
    case 'circuit_open':
      return {
        code: SUBGRAPH_ERROR_CODES.circuitOpen,
        message: `The ${subgraph} service is failing, so the gateway is not calling it for up to ${Math.ceil(
          details.cooldownMs / 1000,
        )} s; ${details.mutation ? 'the mutation was not sent: retry it later.' : restComplete}`,
      };
    case 'refused':
      return {
        code: String(failure.refusal?.extensions?.code ?? 'BAD_REQUEST'),
        message: failure.refusal?.message ?? `The ${subgraph} service refused the request (${failure.message}).`,
      };
    default:
      return {
        code: SUBGRAPH_ERROR_CODES.unavailable,
        message: `The ${subgraph} service could not be reached; ${rest}`,
      };
  }
}

/**
 * The answer the gateway uses in place of the subgraph's: no data, and one error at each path the fetch
 * owned (its root fields, or each entity it was asked to resolve), so the query planner puts the error
 * where the missing data is and merges everything the other subgraphs returned.
 */
export function failureResponse(
  failure: SubgraphFetchFailure,
  subgraph: string,
  fetch: { document?: DocumentNode; variables?: Record<string, unknown> | null },
  details: { timeoutMs: number; cooldownMs: number },
): GatewayGraphQLResponse {
  const operation = fetch.document?.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const { message, code } = clientMessage(failure, subgraph, {
    ...details,
    mutation: operation?.operation === 'mutation',
  });
  const extensions = { code, subgraph };
  const paths = operation && fetch.document ? ownedPaths(operation, fetch.document, fetch.variables) : [];
  const errors: GraphQLFormattedError[] =
    paths.length > 0 ? paths.map((path) => ({ message, path, extensions })) : [{ message, extensions }];
  return { data: null, errors };
}

/**
 * Response paths a subgraph fetch fills: `[field]` for each root field; for an entity fetch, `['_entities', i,
 * field]` for each field asked of representation `i` (the gateway maps `i` to where that entity sits).
 */
function ownedPaths(
  operation: OperationDefinitionNode,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
): (string | number)[][] {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const root = responseFields(operation.selectionSet, fragments, undefined);
  const representations = Array.isArray(variables?.representations) ? variables.representations : [];
  return [...root].flatMap(([key, field]) => {
    if (key !== '_entities' || !field.selectionSet) return [[key]];
    const selectionSet = field.selectionSet;
    return representations.flatMap((representation, index) => {
      const typename = (representation as { __typename?: unknown } | null)?.__typename;
      const keys = [...responseFields(selectionSet, fragments, typeof typename === 'string' ? typename : undefined)];
      return keys.map(([entityKey]) => ['_entities', index, entityKey]);
    });
  });
}

/** The fields a selection set asks of an object of type `typename` (any type when undefined), by response key. */
function responseFields(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  typename: string | undefined,
): Map<string, FieldNode> {
  const fields = new Map<string, FieldNode>();
  const applies = (typeCondition?: { name: { value: string } }) =>
    !typename || !typeCondition || typeCondition.name.value === typename;
  const collect = (set: SelectionSetNode, seen: Set<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        if (selection.name.value !== '__typename' && !fields.has(key)) fields.set(key, selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(selection.typeCondition)) collect(selection.selectionSet, seen);
      } else if (!seen.has(selection.name.value)) {
        const fragment = fragments.get(selection.name.value);
        if (fragment && applies(fragment.typeCondition)) {
          collect(fragment.selectionSet, new Set([...seen, selection.name.value]));
        }
      }
    }
  };
  collect(selectionSet, new Set());
  return fields;
}
