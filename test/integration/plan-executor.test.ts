import { describe, expect, it } from 'vitest';
import { useTestGraph } from '../support/graph.ts';

/**
 * The gateway runs query plans with its own executor (gateway/engine/): one plan per operation text, reused
 * for every variable value; these are the plan shapes the client operations don't all exercise.
 */
const graph = useTestGraph();

const MERCHANT_WITH_OFFERS = /* GraphQL */ `
  query MerchantWithOffers($id: ID!, $withOffers: Boolean!, $withoutAccount: Boolean!) {
    merchant(id: $id) {
      name
      lifeAccount @skip(if: $withoutAccount) { name }
      couponTemplates(first: 2) @include(if: $withOffers) { edges { node { title } } }
    }
  }
`;

describe('plans with conditions', () => {
  it('one plan serves every variable value: a skipped field from another subgraph is neither fetched nor answered', async () => {
    const before = graph.statementCount();
    const off = await graph.query(MERCHANT_WITH_OFFERS, {
      variables: { id: 'mer_kfc', withOffers: false, withoutAccount: true },
    });
    expect(off.status).toBe(200);
    expect(off.body.errors).toBeUndefined();
    expect(off.body.data.merchant).toEqual({ name: expect.any(String) });
    const offStatements = graph.statementCount() - before;

    const on = await graph.query(MERCHANT_WITH_OFFERS, {
      variables: { id: 'mer_kfc', withOffers: true, withoutAccount: false },
    });
    expect(on.body.errors).toBeUndefined();
    expect(Object.keys(on.body.data.merchant)).toEqual(['name', 'lifeAccount', 'couponTemplates']);
    expect(on.body.data.merchant.lifeAccount.name).toEqual(expect.any(String));
    expect(on.body.data.merchant.couponTemplates.edges.length).toBeGreaterThan(0);
    // The skipped subgraphs were not asked: the second request needed more statements than the first.
    expect(graph.statementCount() - before - offStatements).toBeGreaterThan(offStatements);

    // And back: the cached plan still follows the variables.
    const again = await graph.query(MERCHANT_WITH_OFFERS, {
      variables: { id: 'mer_kfc', withOffers: false, withoutAccount: true },
    });
    expect(again.body).toEqual(off.body);
  });

  it('a required condition variable left out is refused before any subgraph is asked', async () => {
    const before = graph.statementCount();
    const { status, body } = await graph.query(MERCHANT_WITH_OFFERS, { variables: { id: 'mer_kfc' } });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/withOffers/);
    expect(graph.statementCount()).toBe(before);
  });
});

describe('responses shaped as asked', () => {
  it('answers introspection beside federated fields, aliases and fragments in the order asked', async () => {
    const { body } = await graph.query(/* GraphQL */ `
      fragment Account on LifeAccount { accountName: name }
      {
        kfc: merchant(id: "mer_kfc") { __typename lifeAccount { ...Account } name }
        type: __type(name: "Merchant") { name kind }
        __typename
      }
    `);
    expect(body.errors).toBeUndefined();
    expect(Object.keys(body.data)).toEqual(['kfc', 'type', '__typename']);
    expect(body.data.type).toEqual({ name: 'Merchant', kind: 'OBJECT' });
    expect(body.data.__typename).toBe('Query');
    expect(Object.keys(body.data.kfc)).toEqual(['__typename', 'lifeAccount', 'name']);
    expect(body.data.kfc.__typename).toBe('Merchant');
    expect(body.data.kfc.lifeAccount).toEqual({ accountName: expect.any(String) });
  });

  it('an unknown merchant is null, and its fields from other subgraphs are not fetched', async () => {
    const { body } = await graph.query('{ merchant(id: "mer_nobody") { name lifeAccount { name } } }');
    expect(body).toEqual({ data: { merchant: null } });
  });
});
