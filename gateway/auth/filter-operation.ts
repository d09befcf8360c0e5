import {
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  visit,
} from 'graphql';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { type AccessPolicy, check, type Denial, merge, type Requirement } from './policy.ts';

/** A field taken out of the operation because the caller may not read it. */
export interface Removal {
  /** Response keys (aliases) and field types from the root to the removed field's parent object. */
  ancestors: { key: string; type: GraphQLOutputType }[];
  /** Response key of the removed field. */
  key: string;
  /** `__typename` alias put in its place: present in a result object iff the field applied to that object. */
  marker: string;
  type: GraphQLOutputType;
  coordinate: string;
  denial: Denial;
  requirement: Requirement;
}

/**
 * Removes every field the identity may not read from the operation — through aliases, fragments,
 * interfaces, unions and entity fields of any subgraph — so the query planner never sends them to a
 * subgraph. Each removed field leaves a `__typename` marker (with the field's own @include/@skip) so the
 * result can be given a `null` and an error exactly where the field would have been.
 */
export function filterOperation(
  schema: GraphQLSchema,
  policy: AccessPolicy,
  identity: Identity,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): { document: DocumentNode; removals: Removal[] } {
  if (policy.fields.size === 0 && policy.types.size === 0) return { document, removals: [] };
  const removals: Removal[] = [];
  const root = schema.getRootType(operation.operation);
  if (!root) return { document, removals };

  const requirementFor = (parent: GraphQLCompositeType, fieldName: string, type: GraphQLOutputType) => {
    let requirement = merge(
      policy.fields.get(`${parent.name}.${fieldName}`),
      policy.types.get(getNamedType(type).name),
    );
    // Through an interface, a field is as protected as its most protected implementation.
    if (isInterfaceType(parent)) {
      for (const impl of schema.getPossibleTypes(parent)) {
        requirement = merge(requirement, policy.fields.get(`${impl.name}.${fieldName}`));
      }
    }
    return requirement;
  };

  const filterSet = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    ancestors: Removal['ancestors'],
  ): SelectionSetNode => {
    const kept: SelectionNode[] = [];
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType)
          : parent;
        kept.push({ ...selection, selectionSet: filterSet(selection.selectionSet, condition, ancestors) });
        continue;
      }
      if (selection.kind !== Kind.FIELD) continue; // fragment spreads were inlined
      const name = selection.name.value;
      const fieldDef = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
      if (!fieldDef) {
        kept.push(selection); // __typename and introspection
        continue;
      }
      const key = selection.alias?.value ?? name;
      const requirement = requirementFor(parent, name, fieldDef.type);
      const denial = check(requirement, identity);
      if (denial) {
        const marker = `__lg_denied_${removals.length}`;
        removals.push({
          ancestors,
          key,
          marker,
          type: fieldDef.type,
          coordinate: `${parent.name}.${name}`,
          denial,
          requirement,
        });
        kept.push(markerField(marker, selection.directives));
      } else if (selection.selectionSet) {
        const child = getNamedType(fieldDef.type) as GraphQLCompositeType;
        const path = [...ancestors, { key, type: fieldDef.type }];
        kept.push({ ...selection, selectionSet: filterSet(selection.selectionSet, child, path) });
      } else {
        kept.push(selection);
      }
    }
    return { ...set, selections: kept };
  };

  const inlined = inlineFragments(document, operation);
  const filtered = { ...inlined, selectionSet: filterSet(inlined.selectionSet, root, []) };
  if (removals.length === 0) return { document, removals };
  return { document: { kind: Kind.DOCUMENT, definitions: [filtered] }, removals };
}

function markerField(alias: string, directives: readonly DirectiveNode[] | undefined): FieldNode {
  return {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: alias },
    name: { kind: Kind.NAME, value: '__typename' },
    directives: (directives ?? []).filter((d) => d.name.value === 'include' || d.name.value === 'skip'),
  };
}

/** Replaces fragment spreads by inline fragments, so each field is seen in the context it is used in. */
function inlineFragments(document: DocumentNode, operation: OperationDefinitionNode): OperationDefinitionNode {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return visit(operation, {
    FragmentSpread(spread) {
      const fragment = fragments.get(spread.name.value);
      if (!fragment) return undefined;
      return {
        kind: Kind.INLINE_FRAGMENT,
        typeCondition: fragment.typeCondition,
        directives: spread.directives,
        selectionSet: fragment.selectionSet,
      };
    },
  });
}
