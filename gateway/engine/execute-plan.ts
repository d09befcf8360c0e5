import { ERRORS, errorCodeDef } from '@apollo/federation-internals';
import type { GraphQLDataSource } from '@apollo/gateway';
import { evaluateCondition, type FetchNode, type PlanNode, type QueryPlanSelectionNode } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { SpanKind } from '@opentelemetry/api';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema, Kind } from 'graphql';
import { inSpan, tracingEnabled } from '../../subgraphs/contract/index.ts';
import { applyRewrites, deepMerge, GraphQLDataSourceRequestKind, isObjectOfType } from './apollo-internals.ts';
import type { PreparedOperation } from './prepared-operation.ts';
import { responseObject } from './response-object.ts';

type ResultPath = (string | number)[];
type Entity = Record<string, unknown>;

/** Where a plan node reads and writes: the objects at `path` of the response being built. */
interface Cursor {
  path: string[];
  data: unknown;
  fullResult: Entity;
}

/** What one execution of a plan shares: the request, the subgraphs and the errors collected so far. */
export interface PlanExecution {
  prepared: PreparedOperation;
  requestContext: GatewayGraphQLRequestContext;
  dataSources: Record<string, GraphQLDataSource>;
  supergraphSchema: GraphQLSchema;
  errors: GraphQLError[];
}

/**
 * Runs a query plan's nodes as `@apollo/gateway`'s `executeQueryPlan` does (same merge, same representations,
 * same error paths), without what we never use and it pays for on every request: an OpenTelemetry span per node
 * and fetch, a usage-reporting protobuf trace node per plan node, and the operation rebuilt from its document.
 */
export async function executeNode(execution: PlanExecution, node: PlanNode, cursor: Cursor | undefined): Promise<void> {
  if (!cursor) return;
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(execution, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(execution, child, cursor)));
      return;
    case 'Flatten':
      return executeNode(execution, node.node, moveIntoCursor(cursor, node.path as string[]));
    case 'Fetch':
      try {
        await executeFetch(execution, node, cursor);
      } catch (error) {
        execution.errors.push(error as GraphQLError);
      }
      return;
    case 'Condition': {
      const { variableDefinitions } = execution.prepared.operation;
      const picked = evaluateCondition(node, variableDefinitions, execution.requestContext.request.variables)
        ? node.ifClause
        : node.elseClause;
      if (picked) await executeNode(execution, picked, cursor);
      return;
    }
    default:
      // Defer: the planner makes no @defer plans for us (incremental delivery is off); subscriptions are refused in executor.ts.
      throw new Error(`${node.kind} plan nodes are not supported by the gateway`);
  }
}

async function executeFetch(execution: PlanExecution, fetch: FetchNode, cursor: Cursor): Promise<void> {
  const service = execution.dataSources[fetch.serviceName];
  if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
  const entities = (Array.isArray(cursor.data) ? cursor.data.filter((e) => e != null) : [cursor.data]) as Entity[];
  if (entities.length < 1) return;
  const variables: Record<string, unknown> = responseObject();
  const provided = execution.requestContext.request.variables;
  if (fetch.variableUsages && provided) {
    for (const name of fetch.variableUsages) {
      if (Object.hasOwn(provided, name) && provided[name] !== undefined) variables[name] = provided[name];
    }
  }
  const { supergraphSchema } = execution;
  if (!fetch.requires) {
    const received = await sendOperation(execution, fetch, cursor, variables);
    if (received) applyRewrites(supergraphSchema, fetch.outputRewrites, received);
    for (const entity of entities) deepMerge(entity, received);
    return;
  }
  const representations: Entity[] = [];
  const representationToEntity: number[] = [];
  entities.forEach((entity, index) => {
    const representation = executeSelectionSet(supergraphSchema, entity, fetch.requires as QueryPlanSelectionNode[]);
    if (representation?.__typename) {
      applyRewrites(supergraphSchema, fetch.inputRewrites, representation);
      representations.push(representation);
      representationToEntity.push(index);
    }
  });
  if (representations.length < 1) return;
  if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
  const received = await sendOperation(execution, fetch, cursor, { ...variables, representations });
  if (!received) return;
  const receivedEntities = received._entities;
  if (!Array.isArray(receivedEntities)) throw new Error(`Expected "data._entities" in response to be an array`);
  if (receivedEntities.length !== representations.length)
    throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
  // As @apollo/gateway does: entities without a representation (no __typename) are matched by position too.
  for (let i = 0; i < entities.length; i++) {
    const receivedEntity = receivedEntities[i] as Entity | null | undefined;
    const existing = entities[representationToEntity[i] as number] as Entity;
    if (receivedEntity && !receivedEntity.__typename) receivedEntity.__typename = existing?.__typename;
    applyRewrites(supergraphSchema, fetch.outputRewrites, receivedEntity as Entity);
    deepMerge(existing, receivedEntity);
  }
}

async function sendOperation(
  execution: PlanExecution,
  fetch: FetchNode,
  cursor: Cursor,
  variables: Record<string, unknown>,
): Promise<Entity | null | undefined> {
  const { requestContext } = execution;
  const service = execution.dataSources[fetch.serviceName] as GraphQLDataSource;
  const options = {
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query: fetch.operation, variables, operationName: fetch.operationName },
    incomingRequestContext: requestContext,
    context: requestContext.context,
    document: fetch.operationDocumentNode,
    pathInIncomingRequest: cursor.path,
  } as const;
  // A fetch's span is the active one while it runs, so the data source sends it on as the subgraph's parent.
  const response = await (tracingEnabled()
    ? inSpan('subgraph.fetch', fetchAttributes(fetch, variables), () => service.process(options), SpanKind.CLIENT)
    : service.process(options));
  if (response.errors) {
    const pathOf = lazyErrorPath(fetch, cursor);
    for (const error of response.errors)
      execution.errors.push(downstreamServiceError(error, fetch.serviceName, pathOf));
  }
  return response.data as Entity | null | undefined;
}

/** What a fetch's span says: which subgraph, which of its operations, and how many entities it asked for. */
function fetchAttributes(fetch: FetchNode, variables: Record<string, unknown>) {
  const representations = variables.representations;
  return {
    'lifegraph.subgraph.name': fetch.serviceName,
    'graphql.operation.name': fetch.operationName ?? '',
    'lifegraph.entities.count': Array.isArray(representations) ? representations.length : 0,
  };
}

/** A subgraph error's path in the client's response: entity errors are mapped back through the representations. */
function lazyErrorPath(fetch: FetchNode, cursor: Cursor) {
  let hydrated: ResultPath[] | undefined;
  return (errorPath: readonly (string | number)[] | undefined): ResultPath | undefined => {
    if (fetch.requires && typeof errorPath?.[1] === 'number') {
      if (!hydrated) {
        hydrated = [];
        hydratedPaths([], cursor.path, cursor.fullResult, hydrated);
      }
      return [...(hydrated[errorPath[1]] ?? []), ...errorPath.slice(2)];
    }
    return errorPath ? [...cursor.path, ...errorPath] : undefined;
  };
}

function hydratedPaths(parent: ResultPath, path: string[], data: unknown, result: ResultPath[]): void {
  if (data == null) return;
  const [head, ...rest] = path;
  if (head === undefined) {
    result.push(parent.slice());
  } else if (head === '@') {
    (data as unknown[]).forEach((value, i) => {
      parent.push(i);
      hydratedPaths(parent, rest, value, result);
      parent.pop();
    });
  } else if (Array.isArray(data)) {
    data.forEach((value, i) => {
      parent.push(i);
      hydratedPaths(parent, path, value, result);
      parent.pop();
    });
  } else if (Object.hasOwn(data as object, head)) {
    parent.push(head);
    hydratedPaths(parent, rest, (data as Entity)[head], result);
    parent.pop();
  }
}

/** The representation of an entity: the `requires` selection read from what is already known of it. */
function executeSelectionSet(schema: GraphQLSchema, source: Entity | null, selections: QueryPlanSelectionNode[]) {
  if (source === null) return null;
  const result: Entity = responseObject();
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) {
      const responseName = selection.alias ?? selection.name;
      const value = Object.hasOwn(source, responseName) ? source[responseName] : undefined;
      if (value === undefined) return null;
      const inner = selection.selections;
      if (Array.isArray(value)) {
        result[responseName] = value.map((v) => (inner ? executeSelectionSet(schema, v as Entity, inner) : v));
      } else if (inner) {
        result[responseName] = executeSelectionSet(schema, value as Entity, inner);
      } else {
        result[responseName] = value;
      }
    } else if (selection.typeCondition && isObjectOfType(schema, source, selection.typeCondition)) {
      deepMerge(result, executeSelectionSet(schema, source, selection.selections));
    }
  }
  return result;
}

function moveIntoCursor(cursor: Cursor, path: string[]): Cursor | undefined {
  const data = flattenResultsAtPath(cursor.data, path, 0);
  return data ? { path: cursor.path.concat(path), data, fullResult: cursor.fullResult } : undefined;
}

function flattenResultsAtPath(value: unknown, path: string[], from: number): unknown {
  if (from === path.length || value == null) return value;
  const current = path[from] as string;
  if (current === '@') return (value as unknown[]).flatMap((element) => flattenResultsAtPath(element, path, from + 1));
  if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${current}`);
  return flattenResultsAtPath(
    Object.hasOwn(value as object, current) ? (value as Entity)[current] : undefined,
    path,
    from + 1,
  );
}

/** A subgraph's error as the client sees it, with the subgraph named and its path in the client's response. */
function downstreamServiceError(
  original: GraphQLFormattedError,
  serviceName: string,
  pathOf: (path: readonly (string | number)[] | undefined) => ResultPath | undefined,
): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const options = {
    originalError: original as Error,
    path: pathOf(original.path),
    extensions: { ...original.extensions, serviceName },
  };
  const codeDef = errorCodeDef(original as GraphQLError);
  if (!codeDef && original.extensions?.code) return new GraphQLError(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}
