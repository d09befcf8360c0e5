import { type DocumentNode, type FragmentDefinitionNode, Kind, type SelectionSetNode } from 'graphql';

/**
 * The shape of a document, measured before validation: each number is the largest over its definitions,
 * operations and fragments alike (validation works on every one, used or not); root fields count operations only.
 */
export interface DocumentAnalysis {
  /**
   * Deepest field nesting (`{ a { b } }` is 2), through fragments and inline fragments; more than
   * MAX_WALK_NESTING when fields, inline fragments and spreads together nest deeper than that.
   */
  depth: number;
  /** Fields the operation expands to once every fragment is inlined, `__typename` included: what the planner sees. */
  selections: number;
  /** Aliased fields, fragments expanded. */
  aliases: number;
  /** Fields at the operation's root, fragments expanded. */
  rootFields: number;
  /** Whether any definition selects `__schema` or `__type`. */
  usesIntrospection: boolean;
  /** Selection nodes the analysis visited: at most the number in the document, however fragments are spread. */
  visits: number;
}

/**
 * Fields, inline fragments and spreads nested deeper than this are not descended into: the walk stays far from
 * the stack's end for any input, and such a document is refused as too deep (the depth limit must be below it).
 */
export const MAX_WALK_NESTING = 256;

interface Measure {
  depth: number;
  /**
   * Levels of fields, inline fragments and spreads, fragments expanded: what the planner recurses through.
   * Kept apart from `depth` (fields only) and carried through measured fragments, so a fragment measured
   * before the spread that uses it still adds its whole height wherever it is spread.
   */
  height: number;
  selections: number;
  aliases: number;
  rootFields: number;
  introspection: boolean;
}

const EMPTY: Measure = { depth: 0, height: 0, selections: 0, aliases: 0, rootFields: 0, introspection: false };

const cache = new WeakMap<DocumentNode, DocumentAnalysis>();

/** The analysis of a document, computed once per parsed document (Apollo Server reuses parsed documents). */
export function analysisOf(document: DocumentNode): DocumentAnalysis {
  let analysis = cache.get(document);
  if (!analysis) {
    analysis = analyzeDocument(document);
    cache.set(document, analysis);
  }
  return analysis;
}

/**
 * One pass over a document that may not be valid yet (unknown fragments, cycles): each fragment definition is
 * measured once and its measure reused wherever it is spread, so the work is linear in the document even when
 * its expansion is exponential (fragments that each spread the next one twice). Counts saturate at
 * `Number.MAX_SAFE_INTEGER`.
 */
export function analyzeDocument(document: DocumentNode): DocumentAnalysis {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const measured = new Map<string, Measure>();
  const inProgress = new Set<string>();
  let visits = 0;

  /** Measures a selection set found `nesting` levels (fields and fragments) below the definition being walked. */
  const measureSet = (set: SelectionSetNode, nesting: number): Measure => {
    const m: Measure = { ...EMPTY };
    if (nesting >= MAX_WALK_NESTING) {
      // Deeper than anything a limit admits; the exact value does not matter.
      m.depth = MAX_WALK_NESTING + 1;
      m.height = MAX_WALK_NESTING + 1;
      return m;
    }
    for (const selection of set.selections) {
      visits++;
      let inner: Measure;
      if (selection.kind === Kind.FIELD) {
        const child = selection.selectionSet ? measureSet(selection.selectionSet, nesting + 1) : EMPTY;
        const name = selection.name.value;
        m.depth = Math.max(m.depth, child.depth + 1);
        m.height = Math.max(m.height, child.height + 1);
        m.selections = add(m.selections, add(1, child.selections));
        m.aliases = add(m.aliases, add(selection.alias ? 1 : 0, child.aliases));
        m.rootFields = add(m.rootFields, 1);
        m.introspection ||= child.introspection || name === '__schema' || name === '__type';
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = measureSet(selection.selectionSet, nesting + 1);
      } else {
        inner = measureFragment(selection.name.value, nesting + 1);
      }
      m.depth = Math.max(m.depth, inner.depth);
      m.height = Math.max(m.height, inner.height + 1);
      m.selections = add(m.selections, inner.selections);
      m.aliases = add(m.aliases, inner.aliases);
      m.rootFields = add(m.rootFields, inner.rootFields);
      m.introspection ||= inner.introspection;
    }
    return m;
  };

  const measureFragment = (name: string, nesting: number): Measure => {
    const known = measured.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown fragments and cycles are left to validation, which refuses them after this pass.
    if (!fragment || inProgress.has(name)) return EMPTY;
    inProgress.add(name);
    const m = measureSet(fragment.selectionSet, nesting);
    inProgress.delete(name);
    measured.set(name, m);
    return m;
  };

  const analysis: DocumentAnalysis = {
    depth: 0,
    selections: 0,
    aliases: 0,
    rootFields: 0,
    usesIntrospection: false,
    visits: 0,
  };
  for (const definition of document.definitions) {
    let m: Measure;
    if (definition.kind === Kind.OPERATION_DEFINITION) m = measureSet(definition.selectionSet, 0);
    else if (definition.kind === Kind.FRAGMENT_DEFINITION) m = measureFragment(definition.name.value, 0);
    else continue;
    // Validation walks every definition, used or not, so a fragment counts on its own too (it is never bigger
    // than an operation spreading it). Its top-level fields are not root fields unless it is spread at the root.
    // Nesting past the walk's bound anywhere, even through fragments measured earlier, is refused as too deep:
    // the planner recurses through every level.
    const depth = m.height > MAX_WALK_NESTING ? MAX_WALK_NESTING + 1 : m.depth;
    analysis.depth = Math.max(analysis.depth, depth);
    analysis.usesIntrospection ||= m.introspection;
    analysis.selections = Math.max(analysis.selections, m.selections);
    analysis.aliases = Math.max(analysis.aliases, m.aliases);
    if (definition.kind === Kind.OPERATION_DEFINITION)
      analysis.rootFields = Math.max(analysis.rootFields, m.rootFields);
  }
  analysis.visits = visits;
  return analysis;
}

/** Saturating addition: exponential expansions stay finite and comparable. */
export function add(a: number, b: number): number {
  return Math.min(a + b, Number.MAX_SAFE_INTEGER);
}
