import {
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { add } from './analyze.ts';

/** Page size assumed for a list field with no `first` argument (small nested lists such as shares, members). */
const UNPAGED_LIST_SIZE = 10;
/** A connection's default `first`, when the client does not give one. */
const DEFAULT_PAGE_SIZE = 20;

/**
 * Estimated number of fields an operation resolves: each list multiplies what it contains by its page size
 * (`first`, from literals or variables: give the coerced variables, defaults applied), every alias and
 * `__typename` counts. Each named fragment is costed once (its fields' parent types come from its type
 * condition, so its cost is the same wherever it is spread). Runs on validated documents; the result saturates
 * at `Number.MAX_SAFE_INTEGER`.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const fragments = new Map<string, { set: SelectionSetNode; type: string }>();
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(d.name.value, { set: d.selectionSet, type: d.typeCondition.name.value });
    }
  }
  const costed = new Map<string, number>();

  const costOf = (set: SelectionSetNode, parent: GraphQLCompositeType): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = fieldOf(parent, selection);
        const child = field ? getNamedType(field.type) : undefined;
        let inner = 0;
        if (field && selection.selectionSet && isCompositeType(child)) {
          inner = times(listSize(parent, field, selection, variables), costOf(selection.selectionSet, child));
        }
        cost = add(cost, add(1, inner));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        cost = add(cost, isCompositeType(condition) ? costOf(selection.selectionSet, condition) : 0);
      } else {
        cost = add(cost, fragmentCost(selection.name.value));
      }
    }
    return cost;
  };

  const fragmentCost = (name: string): number => {
    const known = costed.get(name);
    if (known !== undefined) return known;
    costed.set(name, 0); // a cycle (refused by validation anyway) costs nothing rather than looping
    const fragment = fragments.get(name);
    const type = fragment ? schema.getType(fragment.type) : undefined;
    const cost = fragment && isCompositeType(type) ? costOf(fragment.set, type) : 0;
    costed.set(name, cost);
    return cost;
  };

  return costOf(operation.selectionSet, root);
}

function fieldOf(parent: GraphQLCompositeType, node: FieldNode): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[node.name.value] : undefined;
}

/** How many items a field's selection is resolved for: its `first`, a list's assumed size, or 1. */
function listSize(
  parent: GraphQLCompositeType,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Record<string, unknown>,
): number {
  // A connection's `edges` hold the page its `first` already counted.
  if (parent.name.endsWith('Connection')) return 1;
  if (field.args.some((a) => a.name === 'first')) {
    const arg = node.arguments?.find((a) => a.name.value === 'first')?.value;
    const value =
      arg?.kind === Kind.INT
        ? Number(arg.value)
        : arg?.kind === Kind.VARIABLE && Object.hasOwn(variables, arg.name.value)
          ? Number(variables[arg.name.value])
          : Number.NaN;
    return Number.isFinite(value) && value > 0 ? value : DEFAULT_PAGE_SIZE;
  }
  const type = isNonNullType(field.type) ? field.type.ofType : field.type;
  return isListType(type) ? UNPAGED_LIST_SIZE : 1;
}

function times(a: number, b: number): number {
  return Math.min(a * b, Number.MAX_SAFE_INTEGER);
}
