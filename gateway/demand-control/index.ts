/**
 * Demand control: the cost of an operation from the schema's `@cost` and `@listSize` directives (the IBM GraphQL
 * Cost Directives specification, with Apollo Router's choices where the specification leaves one).
 *
 * Rules implemented, for the estimate before execution (`estimatedCost`) and the actual cost from the response
 * (`actualCost`) alike:
 * - The operation costs its base (mutation 10, query and subscription 0) plus its root fields.
 * - A field costs its arguments plus its count × (its weight + the cost of its selection). Weight: the field's
 *   `@cost`, else the `@cost` of its type (object, scalar, enum), else 1 for objects, interfaces and unions and 0 for
 *   scalars and enums.
 * - Count: 1 for a field that is not a list. A list's size is, in this order, the size its parent's
 *   `@listSize(sizedFields:)` names it with (a connection's `edges` get the connection's page size, while the
 *   connection itself, its `pageInfo` and `totalCount` count once), its own `@listSize` (the largest of its
 *   `slicingArguments`, literal, variable or the argument's default, else `assumedSize`), else DEFAULT_LIST_SIZE.
 *   The actual cost counts the items that came back instead.
 * - Arguments (Router's rule): an input object costs its `@cost` or 1, plus its input fields (each its `@cost`, or 1
 *   for a nested input object); a list its `@cost` or 0 plus each item; a scalar or enum its `@cost` or 0.
 * - Execution's own rules decide what is resolved: @skip / @include (literal or variable) on fields and fragments;
 *   fragments (named and inline) apply by type condition; fields are merged by response key as CollectFields
 *   merges them, so each alias counts and a field repeated under one key counts once. A selection on a union or
 *   interface costs as its most expensive possible type in the estimate, as its `__typename` in the actual cost
 *   (the most expensive type when `__typename` was not selected).
 * - `__typename` is free; introspection (`__schema`, `__type`) costs 0, as the gateway answers it alone.
 * - Costs saturate at Number.MAX_SAFE_INTEGER.
 */
export { actualCost } from './actual.ts';
export {
  type CostModel,
  costModelFromSupergraph,
  DEFAULT_LIST_SIZE,
  type ListSizeRule,
  OPERATION_BASE_COST,
} from './cost-model.ts';
export { estimatedCost } from './estimate.ts';
