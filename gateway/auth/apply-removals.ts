import { GraphQLError, type GraphQLOutputType, isListType, isNonNullType } from 'graphql';
import type { Removal, RemovalPlan, Step } from './filter-operation.ts';

type Path = (string | number)[];
type Data = Record<string, unknown>;

/**
 * Puts `null` where each removed field would have been, following GraphQL's null propagation for non-null
 * fields, and returns one error per place, with the field's path. Walks the result alongside the removal plan:
 * only the branches that lead to a removal, each fragment once per result object (a fragment spread twice is
 * visited once). Mutates `data`; returns the data to send (null if propagation reached the root).
 */
export function applyRemovals(data: Data, plan: RemovalPlan): { data: Data | null; errors: GraphQLError[] } {
  const walk = new Walk(plan);
  const rootIsNull = walk.object(data, plan.root, []);
  return { data: rootIsNull ? null : data, errors: walk.errors };
}

/** With no data there is nowhere to put nulls: one error per removed field, at its place in the operation. */
export function removalErrors(plan: RemovalPlan): GraphQLError[] {
  const errors: GraphQLError[] = [];
  const seen = new Set<string>();
  const visit = (steps: Step[], path: Path) => {
    for (const step of steps) {
      if (step.kind === 'removed') {
        const at = [...path, step.removal.key];
        if (!seen.has(JSON.stringify(at))) errors.push(denialError(step.removal, at));
        seen.add(JSON.stringify(at));
      } else if (step.kind === 'field') {
        visit(step.steps, [...path, step.key]);
      } else {
        // Each (path, fragment) once: bounded by the operation's expanded size, which the limits bound.
        const key = `${JSON.stringify(path)}|${step.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        visit(plan.fragments.get(step.name) ?? [], path);
      }
    }
  };
  visit(plan.root, []);
  return errors;
}

class Walk {
  readonly errors: GraphQLError[] = [];
  /** For each result object, the fragments already applied to it and whether that nulled the object. */
  private readonly applied = new WeakMap<Data, Map<string, boolean>>();

  constructor(private readonly plan: RemovalPlan) {}

  /** Applies `steps` to one result object; returns true when the object itself must become null. */
  object(object: Data, steps: Step[], path: Path): boolean {
    let mustBeNull = false;
    for (const step of steps) {
      if (step.kind === 'removed') {
        if (this.removed(object, step.removal, path)) mustBeNull = true;
      } else if (step.kind === 'field') {
        if (this.position(object, step.key, step.type, step.steps, [...path, step.key])) mustBeNull = true;
      } else if (this.fragment(object, step.name, path)) {
        mustBeNull = true;
      }
    }
    return mustBeNull;
  }

  private fragment(object: Data, name: string, path: Path): boolean {
    let done = this.applied.get(object);
    if (!done) {
      done = new Map();
      this.applied.set(object, done);
    }
    const known = done.get(name);
    if (known !== undefined) return known;
    done.set(name, false);
    const result = this.object(object, this.plan.fragments.get(name) ?? [], path);
    done.set(name, result);
    return result;
  }

  private removed(object: Data, removal: Removal, path: Path): boolean {
    // Own keys only: a response key may be any alias, `constructor` and `__proto__` included.
    if (!Object.hasOwn(object, removal.marker)) return false; // the field did not apply (type condition, @skip)
    delete object[removal.marker];
    this.errors.push(denialError(removal, [...path, removal.key]));
    if (!Object.hasOwn(object, removal.key)) {
      Object.defineProperty(object, removal.key, { value: null, enumerable: true, writable: true, configurable: true });
    }
    return isNonNullType(removal.type);
  }

  /** Visits `container[slot]` of the given type; nulls it if needed, or tells the caller to (non-null). */
  private position(
    container: Data | unknown[],
    slot: string | number,
    type: GraphQLOutputType,
    steps: Step[],
    path: Path,
  ): boolean {
    const value = (container as Record<string | number, unknown>)[slot];
    if (value === null || value === undefined) return false;
    const nonNull = isNonNullType(type);
    const inner = nonNull ? type.ofType : type;
    let mustBeNull = false;
    if (isListType(inner)) {
      const list = value as unknown[];
      for (let i = 0; i < list.length; i++) {
        if (this.position(list, i, inner.ofType, steps, [...path, i])) mustBeNull = true;
      }
    } else {
      mustBeNull = this.object(value as Data, steps, path);
    }
    if (!mustBeNull) return false;
    if (nonNull) return true;
    (container as Record<string | number, unknown>)[slot] = null;
    return false;
  }
}

/** The error for a removed field at `path`, saying what credentials it needs. */
function denialError(removal: Removal, path: Path): GraphQLError {
  const message =
    removal.denial === 'UNAUTHENTICATED'
      ? `${removal.coordinate} needs a signed-in caller: send Authorization: Bearer <token> or an x-api-key header.`
      : `${removal.coordinate} needs the scope ${describeScopes(removal.requirement.scopes)}, which your credentials do not carry.`;
  return new GraphQLError(message, { path, extensions: { code: removal.denial } });
}

function describeScopes(scopes: string[][] | null): string {
  return (scopes ?? []).map((all) => all.map((s) => `"${s}"`).join(' and ')).join(' or ');
}
