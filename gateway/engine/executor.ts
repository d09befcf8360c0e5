import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import type { GatewayExecutionResult, GatewayExecutor } from '@apollo/server-gateway-interface';
import {
  type DocumentNode,
  executeSync,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  OperationTypeNode,
  type SelectionNode,
  type VariableDefinitionNode,
  visit,
} from 'graphql';
import { endWithError, tracer, tracingEnabled } from '../../subgraphs/contract/index.ts';
import { LruMap } from '../auth/cache.ts';
import { executeNode, type PlanExecution } from './execute-plan.ts';
import { type Planning, type PreparedOperation, prepareOperation } from './prepared-operation.ts';
import { responseObject } from './response-object.ts';
import { shapeData } from './shape-response.ts';
import { coercedVariables } from './variables.ts';

/**
 * Prepared operations kept (plans and shaping operations), least recently used dropped first. Not tied to
 * `LIFEGRAPH_OPERATION_CACHE_SIZE`: like `@apollo/gateway`'s own query plan cache, it is always on.
 */
const PREPARED_OPERATIONS = 1_000;

/** What `@apollo/gateway` keeps privately once loaded, and the executor needs. */
interface LoadedGateway {
  schema?: GraphQLSchema;
  apiSchema?: Planning['apiSchema'];
  supergraphSchema?: GraphQLSchema;
  queryPlanner?: Planning['planner'];
  serviceMap: Record<string, { dataSource: GraphQLDataSource }>;
  recursiveSelectionsLimitDisabled: boolean;
  nonLocalSelectionsLimitDisabled: boolean;
}

/**
 * The gateway's executor, in place of the one `@apollo/gateway` returns from `load()`: the same planner, plans
 * and results, but a repeated operation is planned and prepared once (see PreparedOperation) and executed
 * without tracing (see execute-plan.ts). Called after `gateway.load()`, once the supergraph is built.
 */
export function planExecutor(gateway: ApolloGateway): GatewayExecutor {
  const loaded = gateway as unknown as LoadedGateway;
  const { schema, apiSchema, supergraphSchema, queryPlanner } = loaded;
  if (!schema || !apiSchema || !supergraphSchema || !queryPlanner)
    throw new Error('planExecutor needs a loaded @apollo/gateway (its schemas and planner are missing)');
  const planning: Planning = {
    schema,
    apiSchema,
    planner: queryPlanner,
    plannerOptions: {
      recursiveSelectionsLimitDisabled: loaded.recursiveSelectionsLimitDisabled,
      nonLocalSelectionsLimitDisabled: loaded.nonLocalSelectionsLimitDisabled,
    },
  };
  const dataSources: Record<string, GraphQLDataSource> = Object.create(null);
  for (const [name, { dataSource }] of Object.entries(loaded.serviceMap)) dataSources[name] = dataSource;
  const prepared = new LruMap<string, PreparedOperation>(PREPARED_OPERATIONS);
  const tracing = tracingEnabled();

  return async (requestContext): Promise<GatewayExecutionResult> => {
    const { request, document, queryHash } = requestContext;
    // The query hash is of the exact text (a filtered operation has its own, see AuthorizingGateway).
    const key = `${queryHash} ${request.operationName ?? ''}`;
    let operation = prepared.get(key);
    // Planning is a span of its own in a trace, also when the plan came from the cache (it says which).
    const planSpan = tracing
      ? tracer().startSpan('graphql.plan', { attributes: { 'lifegraph.plan.cached': operation !== undefined } })
      : undefined;
    if (!operation) {
      const made = prepareOperation(planning, document, request.operationName ?? undefined);
      if (made instanceof GraphQLError) {
        if (planSpan) endWithError(planSpan, made);
        return { errors: [made] };
      }
      operation = made;
      prepared.set(key, operation);
    }
    planSpan?.end();
    const { variableDefinitions } = operation.context.operation;
    if (variableDefinitions && variableDefinitions.length > 0) {
      const { errors } = coercedVariables(schema, variableDefinitions, request.variables ?? {});
      if (errors) return { errors };
    }
    const root = operation.plan.node;
    if (root?.kind === 'Subscription') throw new Error('Execution of subscriptions not supported by gateway');
    const execution: PlanExecution = { prepared: operation, requestContext, dataSources, supergraphSchema, errors: [] };
    const data = responseObject();
    if (root) await executeNode(execution, root, { path: [], data, fullResult: data });
    return shapeResponse(operation, request.variables, data, execution.errors);
  };
}

/** The client's response from the merged subgraph data: only what it asked for, in its order, nulls bubbled up. */
function shapeResponse(
  prepared: PreparedOperation,
  variables: Record<string, unknown> | undefined,
  input: Record<string, unknown>,
  errors: GraphQLError[],
): GatewayExecutionResult {
  const { context } = prepared;
  try {
    const { data, errors: shapingErrors } = shapeData(prepared.shape, input, variables, (field) =>
      introspect(
        context.schema,
        field.expandFragments().toSelectionNode(),
        context.operation.variableDefinitions,
        variables,
      ),
    );
    // As @apollo/gateway answers: value completion errors are reported only when no subgraph failed.
    if (errors.length === 0 && shapingErrors.length > 0)
      return { extensions: { valueCompletion: shapingErrors }, data };
    return errors.length === 0 ? { data } : { errors, data };
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [error] };
    if (error instanceof Error) return { errors: [new GraphQLError(error.message, { originalError: error })] };
    return { errors: [new GraphQLError('Unexpected error during query plan execution')] };
  }
}

/** `__schema` / `__type` fields are answered by the gateway from its API schema, as @apollo/gateway does. */
function introspect(
  schema: GraphQLSchema,
  selection: SelectionNode,
  definitions: readonly VariableDefinitionNode[] | undefined,
  variables: Record<string, unknown> | undefined,
): unknown {
  const used = new Set<string>();
  visit(selection, { Variable: ({ name }) => void used.add(name.value) });
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        variableDefinitions: definitions?.filter((d) => used.has(d.variable.name.value)),
        selectionSet: { kind: Kind.SELECTION_SET, selections: [selection] },
      },
    ],
  };
  const { data, errors } = executeSync({ schema, document, rootValue: {}, variableValues: variables });
  if (errors?.length || !data) throw new Error(`Introspection failed: ${errors?.map((e) => e.message).join('; ')}`);
  const name = selection.kind === Kind.FIELD ? (selection.alias?.value ?? selection.name.value) : undefined;
  return name === undefined ? undefined : data[name];
}
