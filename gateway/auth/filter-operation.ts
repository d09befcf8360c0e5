import {
  type ASTVisitor,
  type DefinitionNode,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { Identity } from '../../subgraphs/contract/index.ts';
import { type AccessPolicy, check, type Denial, merge, type Requirement } from './policy.ts';

/** A field taken out of the operation because the caller may not read it. */
export interface Removal {
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
 * How to find removals in a result object, in selection order. Only what leads to a removal is kept: a field
 * step whose selection holds one, a spread of a fragment that holds one, the removal itself. Inline fragments
 * apply to the object they are in, so their steps are the object's (the marker tells whether they applied).
 */
export type Step =
  | { kind: 'removed'; removal: Removal }
  | { kind: 'field'; key: string; type: GraphQLOutputType; steps: Step[] }
  | { kind: 'fragment'; name: string };

/** What filtering found: the root's steps, and each fragment's (only fragments that hold a removal). */
export interface RemovalPlan {
  root: Step[];
  fragments: Map<string, Step[]>;
  /** Every removal, in document order. */
  removals: Removal[];
}

/**
 * Removes every field the identity may not read from the operation — through aliases, fragments,
 * interfaces, unions and entity fields of any subgraph — so the query planner never sends them to a
 * subgraph. Each removed field leaves a `__typename` marker (with the field's own @include/@skip) so the
 * result can be given a `null` and an error exactly where the field would have been.
 *
 * Fragments are not inlined: a field's requirement depends only on its parent type and name, so a fragment
 * filters the same way wherever it is spread. Each fragment definition is filtered once, and the filtered
 * document keeps its spreads, so the work is linear in the document.
 */
export function filterOperation(
  schema: GraphQLSchema,
  policy: AccessPolicy,
  identity: Identity,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): { document: DocumentNode; plan: RemovalPlan } {
  const plan: RemovalPlan = { root: [], fragments: new Map(), removals: [] };
  if (policy.fields.size === 0 && policy.types.size === 0) return { document, plan };
  const root = schema.getRootType(operation.operation);
  if (!root) return { document, plan };

  const definitions = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) definitions.set(d.name.value, d);
  const filtered = new Map<string, FragmentDefinitionNode>();

  const requirementFor = (parent: GraphQLCompositeType, fieldName: string, type: GraphQLOutputType) => {
    // A protected type protects every field read on it (`... on Commission { rateBps }`), as does the type
    // a field returns.
    let requirement = merge(
      merge(policy.fields.get(`${parent.name}.${fieldName}`), policy.types.get(parent.name)),
      policy.types.get(getNamedType(type).name),
    );
    // Through an interface, a field is as protected as its most protected implementation.
    if (isAbstractType(parent)) {
      for (const impl of schema.getPossibleTypes(parent)) {
        requirement = merge(
          requirement,
          merge(policy.fields.get(`${impl.name}.${fieldName}`), policy.types.get(impl.name)),
        );
      }
    }
    return requirement;
  };

  /** Filters a fragment definition the first time it is spread; returns whether it holds a removal. */
  const filterFragment = (name: string): boolean => {
    if (filtered.has(name)) return plan.fragments.has(name);
    const fragment = definitions.get(name);
    if (!fragment) return false;
    filtered.set(name, fragment); // placeholder while its own spreads are filtered (validated: no cycles)
    const condition = schema.getType(fragment.typeCondition.name.value);
    if (!isCompositeType(condition)) return false;
    const steps: Step[] = [];
    const selectionSet = filterSet(fragment.selectionSet, condition, steps);
    if (steps.length === 0) return false;
    filtered.set(name, { ...fragment, selectionSet });
    plan.fragments.set(name, steps);
    return true;
  };

  /** The filtered selection set (the same node when nothing in it changed); pushes its steps into `steps`. */
  const filterSet = (set: SelectionSetNode, parent: GraphQLCompositeType, steps: Step[]): SelectionSetNode => {
    let changed = false;
    const kept: SelectionNode[] = [];
    for (const selection of set.selections) {
      const next = filterSelection(selection, parent, steps);
      if (next !== selection) changed = true;
      kept.push(next);
    }
    return changed ? { ...set, selections: kept } : set;
  };

  const filterSelection = (selection: SelectionNode, parent: GraphQLCompositeType, steps: Step[]): SelectionNode => {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      if (filterFragment(selection.name.value)) steps.push({ kind: 'fragment', name: selection.name.value });
      return selection;
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
      if (!isCompositeType(condition)) return selection;
      const selectionSet = filterSet(selection.selectionSet, condition, steps);
      return selectionSet === selection.selectionSet ? selection : { ...selection, selectionSet };
    }
    const name = selection.name.value;
    const fieldDef = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
    if (!fieldDef) return selection; // __typename and introspection
    const key = selection.alias?.value ?? name;
    const requirement = requirementFor(parent, name, fieldDef.type);
    const denial = check(requirement, identity);
    if (denial) {
      const marker = `${MARKER_PREFIX}denied_${plan.removals.length}`;
      const removal = { key, marker, type: fieldDef.type, coordinate: `${parent.name}.${name}`, denial, requirement };
      plan.removals.push(removal);
      steps.push({ kind: 'removed', removal });
      return markerField(marker, selection.directives);
    }
    const child = getNamedType(fieldDef.type);
    if (!selection.selectionSet || !isCompositeType(child)) return selection;
    const below: Step[] = [];
    const selectionSet = filterSet(selection.selectionSet, child, below);
    if (below.length > 0) steps.push({ kind: 'field', key, type: fieldDef.type, steps: below });
    return selectionSet === selection.selectionSet ? selection : { ...selection, selectionSet };
  };

  const selectionSet = filterSet(operation.selectionSet, root, plan.root);
  if (plan.removals.length === 0) return { document, plan };
  // The planner gets this operation alone, with every fragment it may spread (filtered where needed).
  const kept: DefinitionNode[] = [{ ...operation, selectionSet }];
  for (const [name, fragment] of definitions) kept.push(filtered.get(name) ?? fragment);
  return { document: { kind: Kind.DOCUMENT, definitions: kept }, plan };
}

/** Prefix of the gateway's marker aliases; client aliases may not start with it (see reservedAliases). */
const MARKER_PREFIX = '__lg_';

/**
 * Validation rule refusing client aliases that start with MARKER_PREFIX: such an alias would merge with a
 * marker in the filtered operation and make a field the caller may read look removed.
 */
export function reservedAliases(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      const alias = node.alias?.value;
      if (!alias?.startsWith(MARKER_PREFIX)) return;
      context.reportError(
        new GraphQLError(
          `The alias "${alias}" starts with "${MARKER_PREFIX}", which the gateway reserves for its own fields: rename it.`,
          { nodes: node },
        ),
      );
    },
  };
}

function markerField(alias: string, directives: readonly DirectiveNode[] | undefined): FieldNode {
  return {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: alias },
    name: { kind: Kind.NAME, value: '__typename' },
    directives: (directives ?? []).filter((d) => d.name.value === 'include' || d.name.value === 'skip'),
  };
}
