import { describe, expect, it } from 'vitest';
import { SEED_EPOCH } from '../../seeds/world.ts';
import type { Identity } from '../../subgraphs/contract/identity.ts';
import { type As, createTestClock, denials, joinedCircleAt, useTestGraph } from '../support/graph.ts';
import { KFC_FINANCE_STAFF, NEWHOPE_FINANCE_STAFF, NEWHOPE_OFFERS_STAFF } from '../support/identities.ts';
import { querySubgraph } from '../support/subgraph.ts';

/**
 * Access to the merchants subgraph's non-public surface (issue #3), through the real gateway: the finance-only
 * `Merchant.settlementRateBps` and the merchant-side `joinConsumptionCircle`. Every row checks the HTTP status, the
 * error code and path, the data that did come back, and that a refused call left the database as it was.
 */
const graph = useTestGraph({ clock: createTestClock(SEED_EPOCH) });

const RATE = /* GraphQL */ `#graphql
  query Rate($id: ID!) { merchant(id: $id) { id name settlementRateBps } }
`;
const JOIN = /* GraphQL */ `#graphql
  mutation Join($id: ID!) { joinConsumptionCircle(merchantId: $id) {
    merchant { id inConsumptionCircle } userErrors { code } } }
`;

const joinedAt = (id: string) => joinedCircleAt(graph, id);

describe('Merchant.settlementRateBps needs merchant:finance for that merchant', () => {
  const denied: [string, string, As | undefined][] = [
    ['anonymous', 'UNAUTHENTICATED', undefined],
    ['a user without scopes', 'FORBIDDEN', 'usr_alice'],
    [
      'KFC staff with merchant:offers only',
      'FORBIDDEN',
      { user: 'usr_bob', scopes: ['merchant:offers'], merchants: ['mer_kfc'] },
    ],
    ['finance staff of another merchant', 'FORBIDDEN', NEWHOPE_FINANCE_STAFF],
  ];
  it.each(denied)('%s: null with %s at its path, the public fields still come back', async (_, code, as) => {
    const { status, body } = await graph.query(RATE, { variables: { id: 'mer_kfc' }, as });
    expect(status).toBe(200);
    expect(body.data).toEqual({ merchant: { id: 'mer_kfc', name: 'KFC', settlementRateBps: null } });
    expect(denials(body)).toEqual([[code, ['merchant', 'settlementRateBps']]]);
  });

  it('KFC finance staff read it', async () => {
    const { status, body } = await graph.query(RATE, { variables: { id: 'mer_kfc' }, as: KFC_FINANCE_STAFF });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.merchant.settlementRateBps).toBe(110);
  });

  it('in a list, only the merchants the caller acts for show a rate', async () => {
    const { body } = await graph.query(`{ merchants(first: 3) { edges { node { id settlementRateBps } } } }`, {
      as: NEWHOPE_FINANCE_STAFF,
    });
    const nodes = body.data.merchants.edges.map((e: { node: unknown }) => e.node);
    expect(nodes).toEqual([
      { id: 'mer_burgerking', settlementRateBps: null },
      { id: 'mer_ctrip', settlementRateBps: null },
      { id: 'mer_eleme', settlementRateBps: null },
    ]);
    expect(denials(body)).toEqual(
      [0, 1, 2].map((i) => ['FORBIDDEN', ['merchants', 'edges', i, 'node', 'settlementRateBps']]),
    );
  });

  it("reached from another subgraph (a coupon template's merchant), the rule is the same", async () => {
    const { body } = await graph.query(
      `{ merchant(id: "mer_kfc") { couponTemplates(first: 1) { edges { node { merchant { id settlementRateBps } } } } } }`,
    );
    expect(body.data.merchant.couponTemplates.edges[0].node.merchant).toEqual({
      id: 'mer_kfc',
      settlementRateBps: null,
    });
    expect(denials(body)).toEqual([
      ['UNAUTHENTICATED', ['merchant', 'couponTemplates', 'edges', 0, 'node', 'merchant', 'settlementRateBps']],
    ]);
  });
});

describe('joinConsumptionCircle needs merchant:offers for that merchant', () => {
  const denied: [string, string, As | undefined][] = [
    ['anonymous', 'UNAUTHENTICATED', undefined],
    ['a user without scopes', 'FORBIDDEN', 'usr_alice'],
    ['Burger King staff without the scope', 'FORBIDDEN', { user: 'usr_0002', merchants: ['mer_burgerking'] }],
    [
      'Burger King staff with merchant:finance only',
      'FORBIDDEN',
      { user: 'usr_0002', scopes: ['merchant:finance'], merchants: ['mer_burgerking'] },
    ],
    ['offers staff of another merchant', 'FORBIDDEN', NEWHOPE_OFFERS_STAFF],
  ];
  it.each(denied)('%s: null with %s at its path and nothing written', async (_, code, as) => {
    const { status, body } = await graph.query(JOIN, { variables: { id: 'mer_burgerking' }, as });
    expect(status).toBe(200);
    expect(body.data).toEqual({ joinConsumptionCircle: null });
    expect(denials(body)).toEqual([[code, ['joinConsumptionCircle']]]);
    expect(joinedAt('mer_burgerking')).toBeNull();
  });

  it('Burger King offers staff join it', async () => {
    const as = { user: 'usr_0002', scopes: ['merchant:offers'], merchants: ['mer_burgerking'] };
    const { status, body } = await graph.query(JOIN, { variables: { id: 'mer_burgerking' }, as });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.joinConsumptionCircle).toEqual({
      merchant: { id: 'mer_burgerking', inConsumptionCircle: true },
      userErrors: [],
    });
    expect(joinedAt('mer_burgerking')).toBe(SEED_EPOCH.getTime());
  });
});

describe('the merchants subgraph enforces the same rules on partner identities', () => {
  // Partner keys reach subgraphs as a signed identity of kind "partner" with the key's scopes and allow-list. Sent
  // straight to the subgraph, this checks its own defence, whatever the gateway let through.
  const asPartner = (query: string, identity: Omit<Identity, 'kind' | 'subject'>) =>
    // biome-ignore lint/suspicious/noExplicitAny: checked by shape
    querySubgraph<any>(
      graph.subgraphs.merchants.url,
      graph.secrets.subgraphSecret,
      { kind: 'partner', subject: 'key_test', ...identity },
      { query },
    );

  it('a key with the scope but without the merchant on its allow-list is refused, and writes nothing', async () => {
    const join = await asPartner(`mutation { joinConsumptionCircle(merchantId: "mer_muji") { userErrors { code } } }`, {
      scopes: ['merchant:offers', 'merchant:finance'],
      merchantIds: ['mer_newhope'],
    });
    expect(join.status).toBe(200);
    expect(join.body.data).toEqual({ joinConsumptionCircle: null });
    expect(denials(join.body)).toEqual([['FORBIDDEN', ['joinConsumptionCircle']]]);
    expect(joinedAt('mer_muji')).toBeNull();
    const rate = await asPartner(`{ merchant(id: "mer_muji") { settlementRateBps } }`, {
      scopes: ['merchant:finance'],
      merchantIds: ['mer_newhope'],
    });
    expect(rate.body.data).toEqual({ merchant: { settlementRateBps: null } });
    expect(denials(rate.body)).toEqual([['FORBIDDEN', ['merchant', 'settlementRateBps']]]);
  });

  it('a key with the scope and the merchant on its allow-list acts for it', async () => {
    const identity = { scopes: ['merchant:offers', 'merchant:finance'], merchantIds: ['mer_newhope', 'mer_muji'] };
    const join = await asPartner(
      `mutation { joinConsumptionCircle(merchantId: "mer_muji") { merchant { id } userErrors { code } } }`,
      identity,
    );
    expect(join.body).toEqual({ data: { joinConsumptionCircle: { merchant: { id: 'mer_muji' }, userErrors: [] } } });
    expect(joinedAt('mer_muji')).toBe(SEED_EPOCH.getTime());
    const rate = await asPartner(`{ merchant(id: "mer_muji") { settlementRateBps } }`, identity);
    expect(rate.body).toEqual({ data: { merchant: { settlementRateBps: 150 } } });
  });
});
