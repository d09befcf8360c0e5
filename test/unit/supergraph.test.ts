import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listSubgraphs, urlOverridesFromEnv } from '../../gateway/supergraph.ts';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';

describe('supergraph subgraph list', () => {
  const subgraphs = listSubgraphs(readFileSync(SUPERGRAPH_FILE, 'utf8'));

  it('lists the four subgraphs with their default URLs', () => {
    expect(subgraphs).toEqual([
      { name: 'content', url: 'http://localhost:4002/graphql' },
      { name: 'merchants', url: 'http://localhost:4001/graphql' },
      { name: 'offers', url: 'http://localhost:4003/graphql' },
      { name: 'social', url: 'http://localhost:4004/graphql' },
    ]);
  });

  it('moves a subgraph to the port its LIFEGRAPH_<NAME>_PORT says', () => {
    expect(urlOverridesFromEnv(subgraphs, { LIFEGRAPH_OFFERS_PORT: '4103' })).toEqual({
      offers: 'http://localhost:4103/graphql',
    });
  });

  it('refuses a file that is not a supergraph, saying how to make one', () => {
    expect(() => listSubgraphs('type Query { a: Int }')).toThrow(/npm run compose/);
  });
});
