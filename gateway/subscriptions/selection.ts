import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  print,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
  visit,
} from 'graphql';
import { ENTITY_FIELDS } from './schema.ts';

/** The variable the generated query takes the event's entity id in (not a name a client would choose). */
export const ENTITY_ID_VARIABLE = 'lifegraphEntityId';

/** One query per entity field of an event type: what resolves the client's selection for one event. */
export interface EntityQuery {
  /** The event type's entity field (`stream`, `coupon`, ...). */
  field: string;
  /** The query text: `query SubscriptionEvent($lifegraphEntityId: ID!, ...) { <alias>: liveStream(...) {...} }`. */
  source: string;
  /** The client's variables the selection uses (the generated query declares only those). */
  variables: Record<string, unknown>;
}

const typename: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

/**
 * The queries that resolve the client's selection under an event's entity fields: for each entity field the client
 * selected (under any alias, in fragments too), the root query field that serves that type, with the client's
 * selection, its fragments and the variables they use. `__typename` is added to every selection set so unions
 * and interfaces can be resolved again at the gateway; the client sees only what it selected.
 */
export function entityQueries(
  eventType: string,
  root: readonly FieldNode[],
  fragments: Record<string, FragmentDefinitionNode>,
  operation: OperationDefinitionNode,
  variableValues: Record<string, unknown>,
): EntityQuery[] {
  const queryFieldOf = ENTITY_FIELDS[eventType] ?? {};
  const byField = new Map<string, FieldNode[]>();
  const collect = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (queryFieldOf[selection.name.value]) {
          byField.set(selection.name.value, [...(byField.get(selection.name.value) ?? []), selection]);
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      else collect(fragments[selection.name.value]?.selectionSet);
    }
  };
  for (const node of root) collect(node.selectionSet);
  const queries: EntityQuery[] = [];
  for (const [field, nodes] of byField) {
    const selections: SelectionNode[] = nodes.map((node) => ({
      ...node,
      alias: { kind: Kind.NAME, value: node.alias?.value ?? node.name.value },
      name: { kind: Kind.NAME, value: queryFieldOf[field] as string },
      arguments: [
        {
          kind: Kind.ARGUMENT,
          name: { kind: Kind.NAME, value: 'id' },
          value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ENTITY_ID_VARIABLE } },
        },
      ],
    }));
    const used = usedFragments(selections, fragments);
    const variableNames = usedVariables([...selections, ...used]);
    const definitions: VariableDefinitionNode[] = [
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ENTITY_ID_VARIABLE } },
        type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
      },
      ...(operation.variableDefinitions ?? []).filter((d) => variableNames.has(d.variable.name.value)),
    ];
    const query: OperationDefinitionNode = {
      kind: Kind.OPERATION_DEFINITION,
      operation: 'query' as OperationDefinitionNode['operation'],
      name: { kind: Kind.NAME, value: 'SubscriptionEvent' },
      variableDefinitions: definitions,
      selectionSet: { kind: Kind.SELECTION_SET, selections },
    };
    const document: DocumentNode = withTypenames({ kind: Kind.DOCUMENT, definitions: [query, ...used] });
    const variables: Record<string, unknown> = {};
    for (const name of variableNames) if (name in variableValues) variables[name] = variableValues[name];
    queries.push({ field, source: print(document), variables });
  }
  return queries;
}

/** The fragment definitions the selections spread, directly or through each other. */
function usedFragments(
  selections: readonly SelectionNode[],
  fragments: Record<string, FragmentDefinitionNode>,
): FragmentDefinitionNode[] {
  const found = new Map<string, FragmentDefinitionNode>();
  const walk = (node: object) =>
    visit(node as FieldNode, {
      FragmentSpread(spread) {
        const definition = fragments[spread.name.value];
        if (!definition || found.has(spread.name.value)) return;
        found.set(spread.name.value, definition);
        walk(definition);
      },
    });
  for (const selection of selections) walk(selection);
  return [...found.values()];
}

function usedVariables(nodes: readonly object[]): Set<string> {
  const names = new Set<string>();
  for (const node of nodes) {
    visit(node as FieldNode, {
      Variable(variable) {
        names.add(variable.name.value);
      },
    });
  }
  names.delete(ENTITY_ID_VARIABLE);
  return names;
}

function withTypenames<T extends object>(document: T): T {
  return visit(document as unknown as FieldNode, {
    SelectionSet(set, _key, parent) {
      // The operation's own selection set is Query's: no type to resolve there.
      if (parent && 'kind' in parent && parent.kind === Kind.OPERATION_DEFINITION) return undefined;
      if (set.selections.some((s) => s.kind === Kind.FIELD && !s.alias && s.name.value === '__typename'))
        return undefined;
      return { ...set, selections: [...set.selections, typename] };
    },
  }) as unknown as T;
}
