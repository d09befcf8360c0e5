import { type GraphQLInputType, getNullableType, isInputObjectType, isListType, Kind, type ValueNode } from 'graphql';
import { add, type CostModel } from './cost-model.ts';

/**
 * Cost of one argument value (Apollo Router's rule): an input object costs its `@cost` weight or 1, plus the cost of
 * each input field given (an input field's own `@cost`, or 1 for a nested input object); a list costs its weight or
 * 0, plus each item (the same weight applies to every item); a scalar or enum costs its `@cost` weight or 0; null
 * costs nothing. `weight` is the `@cost` of the argument or input field whose value this is.
 */
export function valueNodeCost(
  model: CostModel,
  node: ValueNode,
  type: GraphQLInputType,
  weight: number | undefined,
  variables: Record<string, unknown>,
): number {
  if (node.kind === Kind.NULL) return 0;
  if (node.kind === Kind.VARIABLE) return valueCost(model, variables[node.name.value], type, weight);
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    // A single value given for a list is coerced to a list of one.
    const items = node.kind === Kind.LIST ? node.values : [node];
    let cost = weight ?? 0;
    for (const item of items) cost = add(cost, valueNodeCost(model, item, nullable.ofType, weight, variables));
    return cost;
  }
  if (isInputObjectType(nullable) && node.kind === Kind.OBJECT) {
    const fields = nullable.getFields();
    let cost = weight ?? 1;
    for (const field of node.fields) {
      const definition = fields[field.name.value];
      if (!definition) continue;
      const fieldWeight = model.weights.get(`${nullable.name}.${definition.name}`);
      cost = add(cost, valueNodeCost(model, field.value, definition.type, fieldWeight, variables));
    }
    return cost;
  }
  return weight ?? 0;
}

/** `valueNodeCost` of a coerced variable value (plain JSON-like data). */
export function valueCost(
  model: CostModel,
  value: unknown,
  type: GraphQLInputType,
  weight: number | undefined,
): number {
  if (value === null || value === undefined) return 0;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    let cost = weight ?? 0;
    if (!Array.isArray(value)) return add(cost, valueCost(model, value, nullable.ofType, weight));
    for (const item of value) cost = add(cost, valueCost(model, item, nullable.ofType, weight));
    return cost;
  }
  if (isInputObjectType(nullable) && typeof value === 'object') {
    const fields = nullable.getFields();
    let cost = weight ?? 1;
    for (const name of Object.keys(value)) {
      const definition = fields[name];
      if (!definition) continue;
      const fieldWeight = model.weights.get(`${nullable.name}.${name}`);
      cost = add(cost, valueCost(model, (value as Record<string, unknown>)[name], definition.type, fieldWeight));
    }
    return cost;
  }
  return weight ?? 0;
}

/** Whether a value literal mentions a variable, so that its cost depends on the request's variables. */
export function hasVariables(node: ValueNode): boolean {
  switch (node.kind) {
    case Kind.VARIABLE:
      return true;
    case Kind.LIST:
      return node.values.some(hasVariables);
    case Kind.OBJECT:
      return node.fields.some((f) => hasVariables(f.value));
    default:
      return false;
  }
}
