import { parse, visit } from 'graphql';

/** Operations a hostile client sends to make the gateway do more work than the document's size suggests. */

/** Selection nodes (fields, spreads, inline fragments) in a document: what a linear analysis may visit at most. */
export function selectionNodes(source: string): number {
  let count = 0;
  const bump = () => {
    count++;
  };
  visit(parse(source), { Field: bump, FragmentSpread: bump, InlineFragment: bump });
  return count;
}

/** Fragments F0..F(n-1) on `type`, each spreading the next twice: the document is linear in n, its expansion 2^n. */
export function doublingFragments(n: number, leaf = '__typename', type = 'Query'): string {
  const fragments = Array.from({ length: n }, (_, i) =>
    i === n - 1 ? `fragment F${i} on ${type} { ${leaf} }` : `fragment F${i} on ${type} { ...F${i + 1} ...F${i + 1} }`,
  );
  return `{ ...F0 } ${fragments.join(' ')}`;
}

/** `count` aliased copies of `field` at the root, named `${prefix}0`, `${prefix}1`, ... */
export function aliasFlood(count: number, field = '__typename', prefix = 'a'): string {
  return `{ ${Array.from({ length: count }, (_, i) => `${prefix}${i}: ${field}`).join(' ')} }`;
}

/** `depth` inline fragments nested in one another around `leaf`. */
export function nestedInlineFragments(depth: number, leaf = '__typename'): string {
  return `{ ${'... on Query { '.repeat(depth)}${leaf}${' }'.repeat(depth)} }`;
}

/** A chain of `depth` named fragments, each spreading the next. */
export function fragmentChain(depth: number, leaf = '__typename'): string {
  const fragments = Array.from({ length: depth }, (_, i) =>
    i === depth - 1 ? `fragment C${i} on Query { ${leaf} }` : `fragment C${i} on Query { ...C${i + 1} }`,
  );
  return `{ ...C0 } ${fragments.join(' ')}`;
}
