import { type DirectiveNode, Kind, parse } from 'graphql';
import type { Identity } from '../../subgraphs/contract/index.ts';

/**
 * What a schema element demands, read from the supergraph's `@authenticated` and `@requiresScopes`
 * (https://specs.apollo.dev/authenticated/v0.1, https://specs.apollo.dev/requiresScopes/v0.1).
 */
export interface Requirement {
  authenticated: boolean;
  /** OR of AND lists: `[["a", "b"], ["c"]]` = (a and b) or c. Null when no scopes are required. */
  scopes: string[][] | null;
}

/** Access rules of a supergraph: by field coordinate (`Merchant.commissions`) and by type (`Iou`). */
export interface AccessPolicy {
  fields: Map<string, Requirement>;
  types: Map<string, Requirement>;
}

export type Denial = 'UNAUTHENTICATED' | 'FORBIDDEN';

const SECURITY_LINK =
  /(@link\(\s*url:\s*"https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes)\/v0\.1")\s*,\s*for:\s*SECURITY/g;

/**
 * `@apollo/gateway` refuses supergraphs that link security features it does not implement. We implement
 * them ourselves (see authorizing-gateway.ts), so the gateway gets the same SDL with the `for: SECURITY`
 * purpose removed: it then treats the two directives as ordinary metadata and leaves them out of the API schema.
 */
export function withoutSecurityPurpose(supergraphSdl: string): string {
  return supergraphSdl.replace(SECURITY_LINK, '$1');
}

/** Reads every `@authenticated` / `@requiresScopes` of a supergraph SDL. */
export function readAccessPolicy(supergraphSdl: string): AccessPolicy {
  const policy: AccessPolicy = { fields: new Map(), types: new Map() };
  for (const definition of parse(supergraphSdl).definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const typeName = definition.name.value;
    const typeRequirement = requirementOf(definition.directives);
    if (typeRequirement) policy.types.set(typeName, merge(policy.types.get(typeName), typeRequirement));
    if (!('fields' in definition) || !definition.fields) continue;
    for (const field of definition.fields) {
      if (field.kind !== Kind.FIELD_DEFINITION) continue;
      const requirement = requirementOf(field.directives);
      const coordinate = `${typeName}.${field.name.value}`;
      if (requirement) policy.fields.set(coordinate, merge(policy.fields.get(coordinate), requirement));
    }
  }
  return policy;
}

function requirementOf(directives: readonly DirectiveNode[] | undefined): Requirement | null {
  let requirement: Requirement | null = null;
  for (const directive of directives ?? []) {
    if (directive.name.value === 'authenticated') {
      requirement = merge(requirement, { authenticated: true, scopes: null });
    } else if (directive.name.value === 'requiresScopes') {
      const arg = directive.arguments?.find((a) => a.name.value === 'scopes')?.value;
      const scopes =
        arg?.kind === Kind.LIST
          ? arg.values.map((inner) =>
              inner.kind === Kind.LIST ? inner.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : [],
            )
          : [];
      requirement = merge(requirement, { authenticated: true, scopes });
    }
  }
  return requirement;
}

/** Both requirements must hold: scopes combine as AND of the two OR-lists. */
export function merge(a: Requirement | null | undefined, b: Requirement | null | undefined): Requirement {
  if (!a) return b ?? { authenticated: false, scopes: null };
  if (!b) return a;
  let scopes: string[][] | null = a.scopes ?? b.scopes;
  if (a.scopes && b.scopes) scopes = a.scopes.flatMap((x) => (b.scopes ?? []).map((y) => [...new Set([...x, ...y])]));
  return { authenticated: a.authenticated || b.authenticated, scopes };
}

/** Null when the identity satisfies the requirement; otherwise why not. */
export function check(requirement: Requirement, identity: Identity): Denial | null {
  if (!requirement.authenticated && !requirement.scopes) return null;
  if (identity.kind === 'anonymous') return 'UNAUTHENTICATED';
  if (!requirement.scopes) return null;
  const held = new Set(identity.scopes);
  return requirement.scopes.some((all) => all.every((scope) => held.has(scope))) ? null : 'FORBIDDEN';
}

/**
 * Everything `check` reads of an identity, as a string: its kind and its set of scopes. Two identities with the
 * same shape are authorized alike, so a filtered operation may be cached under it (never under the subject).
 */
export function accessShape(identity: Identity): string {
  return `${identity.kind} ${JSON.stringify([...new Set(identity.scopes)].sort())}`;
}
