import { type DocumentNode, type GraphQLSchema, Kind, type OperationDefinitionNode } from 'graphql';
import { add, type CostModel, times } from './cost-model.ts';
import { argumentsCost, childPlans, type FieldPlan, operationPlan } from './plan.ts';

/**
 * Estimated cost before execution. `schema` is the gateway's API schema (Apollo Server's requestContext.schema,
 * which has no directive applications: that is why the model comes from the supergraph SDL). `variables` are the
 * coerced variable values (defaults applied). Saturates at Number.MAX_SAFE_INTEGER.
 *
 * A field costs its arguments plus its count times (its weight plus the cost of its selection). The count is 1
 * for a field that is not a list; for a list, the size its parent's `@listSize(sizedFields:)` gives it, else its
 * own `@listSize` (the largest slicing argument given or defaulted, else `assumedSize`), else the model's default.
 * A selection on a union or interface costs as much as its most expensive possible type.
 */
export function estimatedCost(
  model: CostModel,
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): number {
  const plan = operationPlan(model, schema, document, operation, variables);
  return add(plan.base, fieldsCost(plan.fields, variables, undefined));
}

function fieldsCost(
  fields: readonly FieldPlan[],
  variables: Record<string, unknown>,
  parentSize: number | undefined,
): number {
  let cost = 0;
  for (const field of fields) cost = add(cost, fieldCost(field, variables, parentSize));
  return cost;
}

function fieldCost(field: FieldPlan, variables: Record<string, unknown>, parentSize: number | undefined): number {
  const size = expectedSize(field, variables);
  const count = !field.isList
    ? 1
    : field.sizedByParent && parentSize !== undefined
      ? parentSize
      : (size ?? field.context.model.defaultListSize);
  let each = field.weight;
  if (field.childType) {
    let most = 0;
    for (const fields of childPlans(field).types) most = Math.max(most, fieldsCost(fields, variables, size));
    each = add(each, most);
  }
  const args = field.hasArguments ? argumentsCost(field, variables) : 0;
  return add(args, times(count, each));
}

/** The size a field's `@listSize` gives: its largest slicing argument (given, else defaulted), else `assumedSize`. */
function expectedSize(field: FieldPlan, variables: Record<string, unknown>): number | undefined {
  const rule = field.listSize;
  if (!rule) return undefined;
  let size: number | undefined;
  for (const name of rule.slicingArguments) {
    const value = slicingValue(field, name, variables);
    if (value !== undefined && (size === undefined || value > size)) size = value;
  }
  return size ?? rule.assumedSize;
}

/** A slicing argument's value: the literal, the variable's value, else the argument's default (negative: 0). */
function slicingValue(field: FieldPlan, name: string, variables: Record<string, unknown>): number | undefined {
  const node = field.node.arguments?.find((a) => a.name.value === name)?.value;
  let value: unknown;
  if (node?.kind === Kind.INT) value = Number(node.value);
  else if (node?.kind === Kind.VARIABLE) value = variables[node.name.value];
  if (typeof value !== 'number') value = field.definition.args.find((a) => a.name === name)?.defaultValue;
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, value) : undefined;
}
