import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SUPERGRAPH_FILE, SupergraphError, supergraphHash } from '../../gateway/supergraph.ts';
import { prepareSupergraph } from '../../gateway/supergraph-reload.ts';
import { displayUrl, supergraphReloadFromEnv } from '../../gateway/supergraph-reload-sources.ts';

// What a new supergraph text must pass before the gateway is given it, and the one-line reason when it does not.

const SUPERGRAPH = readFileSync(SUPERGRAPH_FILE, 'utf8');
const asServed = (s: { url: string }) => s.url;

describe('prepareSupergraph', () => {
  it('derives the subgraphs (overrides applied), policy, cost model and cache hints of a good supergraph', () => {
    const prepared = prepareSupergraph(SUPERGRAPH, (s) => `http://10.0.0.1/${s.name}`, { compose: true });
    expect(prepared.hash).toBe(supergraphHash(SUPERGRAPH));
    expect(prepared.subgraphs.map((s) => s.url).sort()).toEqual(
      ['content', 'merchants', 'offers', 'social'].map((n) => `http://10.0.0.1/${n}`),
    );
    expect(prepared.policy.fields.get('Merchant.settlementRateBps')?.authenticated).toBe(true);
    expect(prepared.costModel.listSizes.size).toBeGreaterThan(0);
    expect(prepared.cacheHints.size).toBeGreaterThan(0);
    // @apollo/gateway refuses the security purpose; it gets the text without it.
    expect(prepared.gatewaySdl).not.toContain('for: SECURITY');
  });

  it.each([
    ['empty text', '  \n', 'it is empty'],
    ['text that is not GraphQL', 'type Query {', /^it is not GraphQL: Syntax Error: .* \(line 1, column 13\)$/],
    [
      'GraphQL that is not a supergraph',
      'type Query { a: Int }',
      /^it is not a supergraph: it has no join__Graph enum/,
    ],
    [
      'a supergraph composition refuses',
      SUPERGRAPH.replace('): Merchant @join__field(graph: MERCHANTS)', '): Nowhere @join__field(graph: MERCHANTS)'),
      /^composition refused it: Unknown type Nowhere/,
    ],
  ])('refuses %s with a SupergraphError of one line', (_, text, reason) => {
    let error: unknown;
    try {
      prepareSupergraph(text, asServed, { compose: true });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SupergraphError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toContain('\n');
  });

  it('leaves composition to the gateway at start (it builds the supergraph anyway)', () => {
    const uncomposable = SUPERGRAPH.replace('): Merchant @join__field', '): Nowhere @join__field');
    expect(() => prepareSupergraph(uncomposable, asServed)).not.toThrow();
  });
});

describe('the reload settings', () => {
  it('poll every 10 s by default and take an http(s) URL', () => {
    expect(supergraphReloadFromEnv({})).toEqual({ pollMs: 10_000 });
    expect(
      supergraphReloadFromEnv({
        LIFEGRAPH_SUPERGRAPH_URL: 'https://schemas.internal/sg',
        LIFEGRAPH_SUPERGRAPH_POLL_MS: '500',
      }),
    ).toEqual({
      url: 'https://schemas.internal/sg',
      pollMs: 500,
    });
  });

  it('show a URL in logs without its credentials or query', () => {
    expect(displayUrl('https://user:pw@schemas.internal/sg.graphql?token=t')).toBe(
      'https://schemas.internal/sg.graphql',
    );
  });
});
