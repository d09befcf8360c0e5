import { type Operation, operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { QueryPlan, QueryPlanner } from '@apollo/query-planner';
import { type DocumentNode, GraphQLError, type GraphQLSchema, Kind } from 'graphql';
import { buildOperationContext, type OperationContext } from './apollo-internals.ts';
import { type CompiledShape, compileShape } from './shape-response.ts';

/**
 * Everything about one operation that does not depend on its variables or caller: its query plan, and the
 * operation the response is shaped by. `@apollo/gateway` caches the plan but builds the rest again on every
 * request (two `operationFromDocument` walks, an operation context and a sha256 of the query per request).
 */
export interface PreparedOperation {
  plan: QueryPlan;
  context: OperationContext;
  /** The operation as the response is shaped (from the operation and its fragments, as the gateway shapes it). */
  operation: Operation;
  shape: CompiledShape;
}

/** The gateway's schemas and planner, as `@apollo/gateway` has built them from the supergraph. */
export interface Planning {
  /** The API schema, graphql-js (what Apollo Server validated the operation against). */
  schema: GraphQLSchema;
  apiSchema: Schema;
  planner: QueryPlanner;
  plannerOptions: { recursiveSelectionsLimitDisabled: boolean; nonLocalSelectionsLimitDisabled: boolean };
}

/** Plans `document`'s operation; a GraphQLError when the document names no (or no single) operation. */
export function prepareOperation(
  planning: Planning,
  document: DocumentNode,
  operationName: string | undefined,
): PreparedOperation | GraphQLError {
  let context: OperationContext;
  try {
    context = buildOperationContext({ schema: planning.schema, operationDocument: document, operationName });
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  const planned = operationFromDocument(planning.apiSchema, document, { operationName });
  const plan = planning.planner.buildQueryPlan(planned, planning.plannerOptions);
  try {
    const operation = operationFromDocument(
      planning.apiSchema,
      { kind: Kind.DOCUMENT, definitions: [context.operation, ...Object.values(context.fragments)] },
      { validate: false },
    );
    return { plan, context, operation, shape: compileShape(operation) };
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
}
