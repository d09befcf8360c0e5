import type { ApolloServerPlugin } from '@apollo/server';
import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { GatewayContext } from '../signed-data-source.ts';

/** How big one operation may be. A list of up to 100 items can't make 100 nested lists of 100 items each. */
export interface OperationLimits {
  /** Deepest field nesting. */
  maxDepth: number;
  /** Estimated number of fields resolved: each list multiplies what it contains by its page size. */
  maxCost: number;
}

export const DEFAULT_LIMITS: OperationLimits = { maxDepth: 15, maxCost: 200_000 };

/** Page size assumed for a list field with no `first` argument (small nested lists such as shares, members). */
const UNPAGED_LIST_SIZE = 10;
/** A connection's default `first`, when the client does not give one. */
const DEFAULT_PAGE_SIZE = 20;

/** Reads `LIFEGRAPH_MAX_QUERY_DEPTH` and `LIFEGRAPH_MAX_QUERY_COST`, falling back to the defaults. */
export function limitsFromEnv(env = process.env): OperationLimits {
  const read = (key: string, fallback: number) => {
    const value = Number(env[key]);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  return {
    maxDepth: read('LIFEGRAPH_MAX_QUERY_DEPTH', DEFAULT_LIMITS.maxDepth),
    maxCost: read('LIFEGRAPH_MAX_QUERY_COST', DEFAULT_LIMITS.maxCost),
  };
}

/**
 * Measures an operation before it is planned: depth, and a cost that multiplies each list's contents by its
 * page size (`first`, from literals or variables). Every alias counts, so a hundred aliased copies of a
 * feed cost a hundred feeds.
 */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): { depth: number; cost: number } {
  const root = schema.getRootType(operation.operation);
  if (!root) return { depth: 0, cost: 0 };
  const measure = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    depth: number,
  ): { depth: number; cost: number } => {
    let deepest = depth;
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = fieldOf(parent, selection);
        if (!field) continue;
        cost += 1;
        deepest = Math.max(deepest, depth + 1);
        if (selection.selectionSet) {
          const child = measure(selection.selectionSet, getNamedType(field.type) as GraphQLCompositeType, depth + 1);
          cost += listSize(parent, field, selection, variables) * child.cost;
          deepest = Math.max(deepest, child.depth);
        }
      } else {
        const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
        if (!fragment) continue;
        const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parent;
        const inner = measure(fragment.selectionSet, (condition ?? parent) as GraphQLCompositeType, depth);
        cost += inner.cost;
        deepest = Math.max(deepest, inner.depth);
      }
    }
    return { depth: deepest, cost };
  };
  return measure(operation.selectionSet, root, 0);
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
        : arg?.kind === Kind.VARIABLE
          ? Number(variables[arg.name.value])
          : NaN;
    return Number.isFinite(value) && value > 0 ? value : DEFAULT_PAGE_SIZE;
  }
  const type = isNonNullType(field.type) ? field.type.ofType : field.type;
  return isListType(type) ? UNPAGED_LIST_SIZE : 1;
}

/** Refuses oversized operations with HTTP 400 `QUERY_TOO_COMPLEX` before any subgraph is called. */
export function operationLimits(limits: OperationLimits): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
          const { depth, cost } = measureOperation(schema, operation, fragments, request.variables ?? {});
          const problem =
            depth > limits.maxDepth
              ? `nests ${depth} levels deep; the limit is ${limits.maxDepth}`
              : cost > limits.maxCost
                ? `would resolve about ${cost} fields; the limit is ${limits.maxCost}`
                : null;
          if (!problem) return;
          throw new GraphQLError(
            `This operation ${problem}. Ask for fewer items with \`first\`, fewer aliases, or split it into several operations.`,
            { extensions: { code: 'QUERY_TOO_COMPLEX', depth, cost, limits, http: { status: 400 } } },
          );
        },
      };
    },
  };
}
