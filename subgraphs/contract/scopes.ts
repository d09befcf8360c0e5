/**
 * The scopes the graph enforces (SPEC "Identity and authorization"). The subgraph SDLs name them in
 * `@requiresScopes`, the gateway enforces those and the subgraphs check them again; `introspection` is the
 * gateway's own. test/unit/scopes.test.ts fails when the SDLs and this list disagree, so a scope is added here
 * together with the first field that needs it.
 */
export const SCOPES = {
  content: 'merchant:content',
  offers: 'merchant:offers',
  finance: 'merchant:finance',
  profile: 'merchant:profile',
  promotion: 'merchant:promotion',
  admin: 'platform:admin',
  introspection: 'introspection',
} as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

/** Scopes only the gateway checks, never named in a subgraph's SDL. */
export const GATEWAY_SCOPES: readonly Scope[] = [SCOPES.introspection];
