import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATEWAY_SCOPES, SCOPES } from '../../subgraphs/contract/scopes.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/settings.ts';

/** Every scope an SDL names in `@requiresScopes(scopes: [["a", "b"], ...])`. */
function sdlScopes(sdl: string): string[] {
  return [...sdl.matchAll(/@requiresScopes\(\s*scopes:\s*(\[[^@]*?\]\s*\])\s*\)/g)]
    .flatMap(([, list]) => JSON.parse(list ?? '[]') as string[][])
    .flat();
}

describe('scope names', () => {
  const named = new Set(
    SUBGRAPH_NAMES.flatMap((name) =>
      sdlScopes(readFileSync(new URL(`../../subgraphs/${name}/schema.graphql`, import.meta.url), 'utf8')),
    ),
  );

  it('finds the @requiresScopes of the SDLs (the check is not vacuous)', () => {
    expect(sdlScopes('type T { a: Int @requiresScopes(scopes: [["x:y"], ["z"]]) }')).toEqual(['x:y', 'z']);
    expect(named.size).toBeGreaterThan(0);
  });

  it('every scope an SDL requires is in the scope list both sides check', () => {
    const known = new Set<string>(Object.values(SCOPES));
    expect([...named].filter((scope) => !known.has(scope))).toEqual([]);
  });

  it('every scope in the list is required somewhere in the SDLs, except the gateway’s own', () => {
    const unused = Object.values(SCOPES).filter((scope) => !named.has(scope) && !GATEWAY_SCOPES.includes(scope));
    expect(unused).toEqual([]);
  });
});
