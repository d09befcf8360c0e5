import { GraphQLError, type GraphQLOutputType, isListType, isNonNullType } from 'graphql';
import type { Removal } from './filter-operation.ts';

type Path = (string | number)[];
type Data = Record<string, unknown>;

/**
 * Puts `null` where each removed field would have been, following GraphQL's null propagation for
 * non-null fields, and returns one error per place, with the field's path. Mutates `data`; returns the
 * data to send (null if propagation reached the root).
 */
export function applyRemovals(data: Data, removals: Removal[]): { data: Data | null; errors: GraphQLError[] } {
  const errors: GraphQLError[] = [];
  let root: Data | null = data;
  for (const removal of removals) {
    if (!root) break;
    if (visitObject(root, removal, 0, [], errors)) root = null;
  }
  return { data: root, errors };
}

/** Returns true when `object` itself must become null (a non-null removed field, propagated). */
function visitObject(object: Data, removal: Removal, depth: number, path: Path, errors: GraphQLError[]): boolean {
  if (depth === removal.ancestors.length) {
    if (!(removal.marker in object)) return false; // the field did not apply to this object (type condition, @skip)
    delete object[removal.marker];
    errors.push(denialError(removal, [...path, removal.key]));
    if (!(removal.key in object)) object[removal.key] = null;
    return isNonNullType(removal.type);
  }
  const ancestor = removal.ancestors[depth] as Removal['ancestors'][number];
  return visitPosition(object, ancestor.key, ancestor.type, removal, depth + 1, [...path, ancestor.key], errors);
}

/** Visits `container[slot]` of the given type; nulls it if needed, or tells the caller to (non-null). */
function visitPosition(
  container: Data | unknown[],
  slot: string | number,
  type: GraphQLOutputType,
  removal: Removal,
  depth: number,
  path: Path,
  errors: GraphQLError[],
): boolean {
  const value = (container as Record<string | number, unknown>)[slot];
  if (value === null || value === undefined) return false;
  const nonNull = isNonNullType(type);
  const inner = nonNull ? type.ofType : type;
  let mustBeNull = false;
  if (isListType(inner)) {
    const list = value as unknown[];
    for (let i = 0; i < list.length; i++) {
      if (visitPosition(list, i, inner.ofType, removal, depth, [...path, i], errors)) mustBeNull = true;
    }
  } else {
    mustBeNull = visitObject(value as Data, removal, depth, path, errors);
  }
  if (!mustBeNull) return false;
  if (nonNull) return true;
  (container as Record<string | number, unknown>)[slot] = null;
  return false;
}

/** The error for a removed field at `path`, saying what credentials it needs. */
export function denialError(removal: Removal, path: Path): GraphQLError {
  const message =
    removal.denial === 'UNAUTHENTICATED'
      ? `${removal.coordinate} needs a signed-in caller: send Authorization: Bearer <token> or an x-api-key header.`
      : `${removal.coordinate} needs the scope ${describeScopes(removal.requirement.scopes)}, which your credentials do not carry.`;
  return new GraphQLError(message, { path, extensions: { code: removal.denial } });
}

function describeScopes(scopes: string[][] | null): string {
  return (scopes ?? []).map((all) => all.map((s) => `"${s}"`).join(' and ')).join(' or ');
}
