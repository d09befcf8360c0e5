import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../gateway/plugins/limits/index.ts';
import { DEFAULT_RATE_LIMITS } from '../../gateway/rate-limit/settings.ts';
import { useTestGraph } from '../support/graph.ts';
import { LIFE_FEED, MERCHANT_PAGE, WEST_LAKE } from '../support/operations.ts';

// MerchantPage at page size 50 is estimated at about 500 000 points (50 campaigns x 50 open groups x up to 100
// members each), over the default maximum and every default bucket: this suite counts statements, not costs.
const graph = useTestGraph({
  limits: { ...DEFAULT_LIMITS, maxCost: Number.MAX_SAFE_INTEGER },
  rateLimits: { ...DEFAULT_RATE_LIMITS, enabled: false },
});

/** SQL statements executed by all subgraphs for one operation. */
async function statementsFor(query: string, variables: Record<string, unknown>, as?: string) {
  const before = graph.statementCount();
  const { body } = await graph.query(query, { variables, as });
  expect(body.errors).toBeUndefined();
  return { statements: graph.statementCount() - before, data: body.data };
}

describe('no N+1: statement count does not grow with list length', () => {
  it('LifeFeed at page size 5 and 50', async () => {
    const small = await statementsFor(LIFE_FEED, { first: 5, near: WEST_LAKE }, 'usr_alice');
    const large = await statementsFor(LIFE_FEED, { first: 50, near: WEST_LAKE }, 'usr_alice');
    expect(small.data.lifeChannelFeed.edges).toHaveLength(5);
    expect(large.data.lifeChannelFeed.edges).toHaveLength(50);
    expect(large.statements).toBe(small.statements);
  });

  it('MerchantPage at page size 5 and 50', async () => {
    const small = await statementsFor(MERCHANT_PAGE, { id: 'mer_kfc', n: 5 });
    const large = await statementsFor(MERCHANT_PAGE, { id: 'mer_kfc', n: 50 });
    expect(large.data.merchant.lifeAccount.posts.edges.length).toBeGreaterThan(5);
    expect(large.statements).toBe(small.statements);
  });

  it('a list of 25 merchants with their stores costs the same as a list of 5', async () => {
    const query = `#graphql
      query($n: Int!) { merchants(first: $n) { edges { node { id name category { name } lifeAccount { followerCount }
        stores(first: 3) { edges { node { id } } } couponTemplates(first: 2) { edges { node { id remainingStock } } } } } } }`;
    const small = await statementsFor(query, { n: 5 });
    const large = await statementsFor(query, { n: 25 });
    expect(large.data.merchants.edges).toHaveLength(25);
    expect(large.statements).toBe(small.statements);
  });

  it('search at page size 5 and 40: offers’ own nodes, and references resolved by their owner', async () => {
    const query = `#graphql
      query($q: String!, $types: [SearchResultType!], $n: Int!, $near: GeoPointInput) {
        search(query: $q, types: $types, near: $near, first: $n) { edges { distanceMeters node {
          __typename ... on Merchant { name nameZh category { name } } ... on Store { name address }
          ... on CouponTemplate { title remainingStock merchant { name } } } } } }`;
    for (const variables of [{ q: 'coupon' }, { q: 'Hangzhou', types: ['MERCHANT', 'STORE'] }]) {
      const small = await statementsFor(query, { ...variables, n: 5, near: WEST_LAKE });
      const large = await statementsFor(query, { ...variables, n: 40, near: WEST_LAKE });
      expect(small.data.search.edges).toHaveLength(5);
      expect(large.data.search.edges).toHaveLength(40);
      const kinds = (data: typeof small.data) =>
        new Set(data.search.edges.map((e: { node: { __typename: string } }) => e.node.__typename));
      expect(kinds(large.data)).toEqual(kinds(small.data));
      expect(large.statements, variables.q).toBe(small.statements);
    }
  });
});
