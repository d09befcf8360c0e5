import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { add, type CostModel } from './cost-model.ts';
import { argumentsCost, childPlans, type FieldPlan, operationPlan } from './plan.ts';

type ResponseObject = Record<string, unknown>;

/**
 * Actual cost of the same operation from the response data: the same rules, but each list counts the items that
 * really came back (null / missing data costs nothing below it).
 *
 * Precisely: the operation's base cost, plus for every field present in the data its arguments' cost, plus its
 * weight for each non-null value (each non-null item of a list, at any nesting) with the cost of the value's own
 * fields. A value of a union or interface type is costed as its `__typename` says when the operation selected it,
 * else as its most expensive possible type (the estimate's rule). With every list as long as the estimate assumed
 * and no nulls, this equals `estimatedCost`. The data is walked once, against the operation's cached plan; nothing
 * is allocated per value.
 */
export function actualCost(
  model: CostModel,
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  data: unknown,
): number {
  const plan = operationPlan(model, schema, document, operation, variables);
  if (data === null || typeof data !== 'object') return plan.base;
  return add(plan.base, fieldsCost(plan.fields, data as ResponseObject, variables));
}

function fieldsCost(fields: readonly FieldPlan[], object: ResponseObject, variables: Record<string, unknown>): number {
  let cost = 0;
  for (const field of fields) {
    const value = object[field.key];
    if (value === undefined) continue;
    if (field.hasArguments) cost = add(cost, argumentsCost(field, variables));
    if (value === null || (field.weight === 0 && !field.childType)) continue;
    cost = add(cost, field.isList ? listCost(field, value, variables) : valueCost(field, value, variables));
  }
  return cost;
}

function listCost(field: FieldPlan, value: unknown, variables: Record<string, unknown>): number {
  if (!Array.isArray(value)) return valueCost(field, value, variables);
  let cost = 0;
  for (const item of value) {
    cost = add(cost, Array.isArray(item) ? listCost(field, item, variables) : valueCost(field, item, variables));
  }
  return cost;
}

function valueCost(field: FieldPlan, value: unknown, variables: Record<string, unknown>): number {
  if (value === null || value === undefined) return 0;
  if (!field.childType || typeof value !== 'object') return field.weight;
  return add(field.weight, childrenCost(field, value as ResponseObject, variables));
}

function childrenCost(field: FieldPlan, object: ResponseObject, variables: Record<string, unknown>): number {
  const children = childPlans(field);
  if (children.single) return fieldsCost(children.single, object, variables);
  for (const key of children.typenameKeys) {
    const typename = object[key];
    if (typeof typename !== 'string') continue;
    const fields = children.byType.get(typename);
    if (fields) return fieldsCost(fields, object, variables);
  }
  let most = 0;
  for (const fields of children.types) most = Math.max(most, fieldsCost(fields, object, variables));
  return most;
}
