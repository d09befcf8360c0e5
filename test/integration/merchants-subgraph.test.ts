import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeMerchants } from '../../seeds/write-merchants.ts';
import { ANONYMOUS, type Identity } from '../../subgraphs/contract/identity.ts';
import { merchants } from '../../subgraphs/merchants/index.ts';
import type * as tables from '../../subgraphs/merchants/tables.ts';
import type { StartedSubgraph } from '../../subgraphs/shared/server.ts';
import { ALICE, staff } from '../support/identities.ts';
import { WEST_LAKE } from '../support/operations.ts';
import {
  postToSubgraph,
  querySubgraph,
  SUBGRAPH_TEST_SECRET,
  signedIdentityHeader,
  startSeededSubgraph,
} from '../support/subgraph.ts';

/** KFC staff who also acts for the merchants the circle tests join (a missing one among them). */
const CIRCLE_STAFF = staff(
  'usr_bob',
  ['merchant:offers', 'merchant:finance'],
  ['mer_burgerking', 'mer_eleme', 'mer_kfc', 'mer_ghost'],
);
let subgraph: StartedSubgraph<typeof tables>;

beforeAll(async () => {
  subgraph = await startSeededSubgraph(merchants, (db) => writeMerchants(db, buildWorld(1)), {
    clock: { now: () => SEED_EPOCH },
  });
});
afterAll(async () => {
  await subgraph?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by shape
async function gql(query: string, variables: Record<string, unknown> = {}, as: Identity = ALICE): Promise<any> {
  return (await querySubgraph(subgraph.url, SUBGRAPH_TEST_SECRET, as, { query, variables })).body;
}

const MERCHANT = /* GraphQL */ `#graphql
  query($id: ID!, $n: Int) {
    merchant(id: $id) {
      id name status settlementRateBps city createdAt
      category { id code name } serviceProvider { id name }
      stores(first: $n) { edges { cursor node { id name location { lat lng } distanceMeters merchant { id } } }
        pageInfo { hasNextPage endCursor } }
      miniPrograms { id appId name onlineSince merchant { id } }
      inConsumptionCircle consumptionCircleEligible consumptionCircleEligibleAt joinedConsumptionCircleAt
    }
  }
`;

describe('merchants subgraph queries', () => {
  it('resolves a merchant with its category, provider, stores and mini programs', async () => {
    const body = await gql(MERCHANT, { id: 'mer_kfc', n: 2 }, CIRCLE_STAFF);
    expect(body.errors).toBeUndefined();
    expect(body.data.merchant).toMatchObject({
      id: 'mer_kfc',
      name: 'KFC',
      status: 'ACTIVE',
      settlementRateBps: 110,
      category: { code: 'fast_food', name: 'Fast food' },
      serviceProvider: { id: 'sp_youzan' },
      stores: { edges: [{ node: { id: 'sto_kfc_hz_1', distanceMeters: null, merchant: { id: 'mer_kfc' } } }, {}] },
      miniPrograms: [{ id: 'mp_kfc', merchant: { id: 'mer_kfc' } }],
      inConsumptionCircle: true,
      consumptionCircleEligible: true,
    });
    expect(body.data.merchant.stores.pageInfo.hasNextPage).toBe(true);
    const next = await gql(
      `query($after: String) { merchant(id: "mer_kfc") { stores(first: 10, after: $after) { edges { node { id } } } } }`,
      { after: body.data.merchant.stores.pageInfo.endCursor },
    );
    expect(next.data.merchant.stores.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([
      'sto_kfc_hz_3',
      'sto_kfc_hz_4',
    ]);
  });

  it('says when a young merchant becomes eligible for the consumption circle', async () => {
    const body = await gql(MERCHANT, { id: 'mer_eleme' }, CIRCLE_STAFF);
    expect(body.data.merchant).toMatchObject({
      consumptionCircleEligible: false,
      consumptionCircleEligibleAt: new Date(SEED_EPOCH.getTime() + 25 * 86_400_000).toISOString(),
      joinedConsumptionCircleAt: null,
    });
  });

  it('lists merchants by category, categories, mini programs and service providers', async () => {
    const body = await gql(`{
      merchants(categoryCode: "fast_food", first: 5) { edges { node { id category { code } } } pageInfo { hasNextPage } }
      none: merchants(categoryCode: "nope") { edges { node { id } } }
      categories { id code name }
      miniProgram(id: "mp_kfc") { appId merchant { name } }
      serviceProvider(id: "sp_youzan") { name merchants(first: 2) { edges { node { id serviceProvider { id } } } } }
    }`);
    expect(body.errors).toBeUndefined();
    const fastFood = body.data.merchants.edges.map(
      (e: { node: { category: { code: string } } }) => e.node.category.code,
    );
    expect(new Set(fastFood)).toEqual(new Set(['fast_food']));
    expect(body.data.merchants.edges.map((e: { node: { id: string } }) => e.node.id)).toContain('mer_kfc');
    expect(body.data.none.edges).toEqual([]);
    expect(body.data.categories).toContainEqual({ id: 'cat_coffee', code: 'coffee', name: 'Coffee & tea' });
    expect(body.data.miniProgram).toMatchObject({ merchant: { name: 'KFC' } });
    expect(body.data.serviceProvider.merchants.edges).toHaveLength(2);
    expect(body.data.serviceProvider.merchants.edges[0].node.serviceProvider.id).toBe('sp_youzan');
  });

  it('finds stores near West Lake, nearest first, with distances', async () => {
    const body = await gql(
      `query($at: GeoPointInput!) { storesNear(location: $at, radiusMeters: 3000, first: 10) {
        edges { node { id distanceMeters merchant { id } } } } }`,
      { at: WEST_LAKE },
    );
    expect(body.errors).toBeUndefined();
    const nodes = body.data.storesNear.edges.map((e: { node: unknown }) => e.node);
    expect(nodes[0]).toMatchObject({ id: 'sto_kfc_hz_1', merchant: { id: 'mer_kfc' } });
    const distances = nodes.map((n: { distanceMeters: number }) => n.distanceMeters);
    expect([...distances].sort((a, b) => a - b)).toEqual(distances);
    expect(Math.max(...distances)).toBeLessThanOrEqual(3000);
  });

  it('returns null for unknown ids', async () => {
    const body = await gql(`{ merchant(id: "mer_nope") { id } store(id: "sto_nope") { id }
      miniProgram(id: "mp_nope") { id } serviceProvider(id: "sp_nope") { id } }`);
    expect(body).toEqual({ data: { merchant: null, store: null, miniProgram: null, serviceProvider: null } });
  });

  it('rejects out-of-range pages, radii and coordinates with BAD_USER_INPUT', async () => {
    for (const q of [
      `{ merchants(first: 0) { edges { cursor } } }`,
      `{ merchants(first: 101) { edges { cursor } } }`,
      `{ merchant(id: "mer_kfc") { stores(first: 101) { edges { cursor } } } }`,
      `{ merchants(after: "garbage") { edges { cursor } } }`,
      `{ storesNear(location: { lat: 30, lng: 120 }, radiusMeters: 0) { edges { cursor } } }`,
      `{ storesNear(location: { lat: 30, lng: 120 }, radiusMeters: 50001) { edges { cursor } } }`,
      `{ storesNear(location: { lat: 95, lng: 120 }, radiusMeters: 100) { edges { cursor } } }`,
    ]) {
      const body = await gql(q);
      expect(body.errors?.[0]?.extensions?.code, q).toBe('BAD_USER_INPUT');
    }
  });

  it('costs the same number of SQL statements for 5 or 50 items per list', async () => {
    const query = `query($n: Int) { merchants(first: $n) { edges { node { id category { name } serviceProvider { name }
      stores(first: $n) { edges { node { id merchant { name } } } } miniPrograms { name }
      consumptionCircleEligible } } } }`;
    const cost = async (n: number) => {
      const before = subgraph.database.stats.statements;
      const body = await gql(query, { n });
      expect(body.errors).toBeUndefined();
      return { statements: subgraph.database.stats.statements - before, merchants: body.data.merchants.edges.length };
    };
    const small = await cost(5);
    const large = await cost(50);
    // Only a longer list makes the comparison mean anything.
    expect(small.merchants).toBe(5);
    expect(large.merchants).toBeGreaterThan(5);
    expect(large.statements).toBe(small.statements);
  });
});

describe('settlementRateBps in the subgraph itself', () => {
  it('is null with FORBIDDEN unless the caller has merchant:finance for that very merchant', async () => {
    const query = `{ kfc: merchant(id: "mer_kfc") { settlementRateBps } muji: merchant(id: "mer_muji") { name settlementRateBps } }`;
    const staff = await gql(query, {}, CIRCLE_STAFF);
    expect(staff.data).toEqual({ kfc: { settlementRateBps: 110 }, muji: { name: 'Muji', settlementRateBps: null } });
    expect(staff.errors).toMatchObject([{ path: ['muji', 'settlementRateBps'], extensions: { code: 'FORBIDDEN' } }]);
    const noScope = await gql(query, {}, { ...CIRCLE_STAFF, scopes: ['merchant:offers'] });
    expect(noScope.data.kfc.settlementRateBps).toBeNull();
    expect(noScope.errors.map((e: { path: string[] }) => e.path.join('.'))).toEqual([
      'kfc.settlementRateBps',
      'muji.settlementRateBps',
    ]);
  });
});

describe('merchants subgraph entities', () => {
  it('resolves every entity type by reference and unknown ids to null', async () => {
    const body = await gql(
      `query($r: [_Any!]!) { _entities(representations: $r) {
        ... on Merchant { id name } ... on Store { id name distanceMeters } ... on MiniProgram { id appId }
        ... on ServiceProvider { id name } ... on Category { id code } } }`,
      {
        r: [
          { __typename: 'Merchant', id: 'mer_newhope' },
          { __typename: 'Store', id: 'sto_kfc_hz_1' },
          { __typename: 'MiniProgram', id: 'mp_kfc' },
          { __typename: 'ServiceProvider', id: 'sp_weimob' },
          { __typename: 'Category', id: 'cat_dairy' },
          { __typename: 'Merchant', id: 'mer_nope' },
          { __typename: 'Store', id: 'sto_nope' },
        ],
      },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data._entities).toMatchObject([
      { id: 'mer_newhope', name: 'New Hope Dairy' },
      { id: 'sto_kfc_hz_1', distanceMeters: null },
      { id: 'mp_kfc', appId: expect.any(String) },
      { id: 'sp_weimob', name: 'Weimob Smart Retail' },
      { id: 'cat_dairy', code: 'dairy' },
      null,
      null,
    ]);
  });
});

const JOIN = /* GraphQL */ `#graphql
  mutation($id: ID!) { joinConsumptionCircle(merchantId: $id) {
    merchant { id inConsumptionCircle joinedConsumptionCircleAt } userErrors { code message field } } }
`;

describe('joinConsumptionCircle', () => {
  it('joins once; a repeat is ALREADY_MEMBER and changes nothing', async () => {
    const first = await gql(JOIN, { id: 'mer_burgerking' }, CIRCLE_STAFF);
    expect(first.errors).toBeUndefined();
    expect(first.data.joinConsumptionCircle).toEqual({
      merchant: {
        id: 'mer_burgerking',
        inConsumptionCircle: true,
        joinedConsumptionCircleAt: SEED_EPOCH.toISOString(),
      },
      userErrors: [],
    });
    const again = await gql(JOIN, { id: 'mer_burgerking' }, CIRCLE_STAFF);
    expect(again.data.joinConsumptionCircle.userErrors.map((e: { code: string }) => e.code)).toEqual([
      'ALREADY_MEMBER',
    ]);
    expect(again.data.joinConsumptionCircle.merchant.joinedConsumptionCircleAt).toBe(SEED_EPOCH.toISOString());
  });

  it('reports NOT_ELIGIBLE with the date, and NOT_FOUND for a missing merchant, changing nothing', async () => {
    const young = await gql(JOIN, { id: 'mer_eleme' }, CIRCLE_STAFF);
    expect(young.data.joinConsumptionCircle.userErrors[0]).toMatchObject({
      code: 'NOT_ELIGIBLE',
      field: ['merchantId'],
    });
    expect(young.data.joinConsumptionCircle.userErrors[0].message).toContain('2026-11-26');
    expect(young.data.joinConsumptionCircle.merchant.inConsumptionCircle).toBe(false);
    const missing = await gql(JOIN, { id: 'mer_ghost' }, CIRCLE_STAFF);
    expect(missing.data.joinConsumptionCircle).toMatchObject({ merchant: null, userErrors: [{ code: 'NOT_FOUND' }] });
    const after = await gql(`{ merchant(id: "mer_eleme") { inConsumptionCircle } }`);
    expect(after.data.merchant.inConsumptionCircle).toBe(false);
  });

  it('is FORBIDDEN for callers who do not act for the merchant and UNAUTHENTICATED for anonymous ones', async () => {
    const forbidden = await gql(JOIN, { id: 'mer_luckin' }, ALICE);
    expect(forbidden.errors[0].extensions.code).toBe('FORBIDDEN');
    const noScope = await gql(JOIN, { id: 'mer_luckin' }, { ...ALICE, merchantIds: ['mer_luckin'] });
    expect(noScope.errors[0]).toMatchObject({ path: ['joinConsumptionCircle'], extensions: { code: 'FORBIDDEN' } });
    const anonymous = await gql(JOIN, { id: 'mer_luckin' }, ANONYMOUS);
    expect(anonymous.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const after = await gql(`{ merchant(id: "mer_luckin") { inConsumptionCircle } }`);
    expect(after.data.merchant.inConsumptionCircle).toBe(false);
  });
});

describe('merchants subgraph transport', () => {
  it('refuses a request without a signed identity with HTTP 401', async () => {
    const res = await postToSubgraph(subgraph.url, { query: '{ categories { id } }' });
    expect(res.status).toBe(401);
    const forged = await postToSubgraph(
      subgraph.url,
      { query: '{ categories { id } }' },
      await signedIdentityHeader(ALICE, 'wrong'),
    );
    expect(forged.status).toBe(401);
  });
});
