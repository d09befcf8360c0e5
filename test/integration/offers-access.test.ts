import { describe, expect, it } from 'vitest';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { type As, createTestClock, useTestGraph } from '../support/graph.ts';
import { KFC_FINANCE_STAFF, KFC_OFFERS_STAFF, partner, staff } from '../support/identities.ts';
import { querySubgraph } from '../support/subgraph.ts';

const NOW = new Date(SEED_EPOCH.getTime() + 86_400_000);
/** Staff of New Hope with every offers scope, acting on KFC: the subgraph must refuse. */
const NEWHOPE_STAFF = staff('usr_0001', ['merchant:offers', 'merchant:finance'], ['mer_newhope']);
const KFC_NO_SCOPE = staff('usr_0003', [], ['mer_kfc']);

const graph = useTestGraph({ clock: createTestClock(NOW) });

/** Every row an offers mutation can write, to prove a refused call changed nothing. */
function offersRows() {
  const db = graph.subgraphs.offers.database.sqlite;
  const tables = ['coupon_templates', 'coupons', 'group_buy_campaigns', 'group_buy_groups', 'group_buy_members'];
  return Object.fromEntries(
    [...tables, 'settlements', 'commissions', 'idempotency_keys'].map((t) => [
      t,
      db.prepare(`select * from ${t}`).all(),
    ]),
  );
}
const errorsOf = (body: { errors?: { path?: unknown[]; extensions?: { code?: string } }[] }) =>
  (body.errors ?? []).map((e) => ({ path: e.path, code: e.extensions?.code }));

const PRIVATE_READS = /* GraphQL */ `#graphql
  {
    couponTemplate(id: "cpt_kfc_1") { title viewerClaimedCount }
    coupon(id: "cpn_000001") { id status }
    user(id: "usr_alice") { id coupons(first: 5) { edges { node { id } } } }
  }
`;

describe('viewer-private reads', () => {
  it('anonymous: coupon and User.coupons are null with UNAUTHENTICATED; the catalogue still answers', async () => {
    const { status, body } = await graph.query(PRIVATE_READS);
    expect(status).toBe(200);
    expect(errorsOf(body)).toEqual(
      expect.arrayContaining([
        { path: ['coupon'], code: 'UNAUTHENTICATED' },
        { path: ['user', 'coupons'], code: 'UNAUTHENTICATED' },
      ]),
    );
    expect(body.errors).toHaveLength(2);
    expect(body.data).toEqual({
      couponTemplate: { title: expect.any(String), viewerClaimedCount: 0 },
      coupon: null,
      user: { id: 'usr_alice', coupons: null },
    });
  });

  it('the owner reads her coupon and her wallet', async () => {
    const { status, body } = await graph.query(PRIVATE_READS, { as: 'usr_alice' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.coupon).toEqual({ id: 'cpn_000001', status: 'AVAILABLE' });
    expect(body.data.user.coupons.edges.map((e: { node: { id: string } }) => e.node.id)).toContain('cpn_000001');
    expect(body.data.couponTemplate.viewerClaimedCount).toBe(1);
  });

  it("another user gets null with FORBIDDEN at the path of alice's coupon and wallet", async () => {
    const { status, body } = await graph.query(PRIVATE_READS, { as: 'usr_bob' });
    expect(status).toBe(200);
    expect(errorsOf(body)).toEqual(
      expect.arrayContaining([
        { path: ['coupon'], code: 'FORBIDDEN' },
        { path: ['user', 'coupons'], code: 'FORBIDDEN' },
      ]),
    );
    expect(body.data).toMatchObject({ coupon: null, user: { id: 'usr_alice', coupons: null } });
    expect(body.data.couponTemplate.title).toEqual(expect.any(String));
  });
});

describe('finance reads: Merchant.commissions', () => {
  const QUERY = `{ merchant(id: "mer_kfc") { name commissions(first: 5) { edges { node { id } } } } }`;
  const rows: [string, As | undefined, string | null][] = [
    ['anonymous', undefined, 'UNAUTHENTICATED'],
    ['a user without the scope', 'usr_alice', 'FORBIDDEN'],
    ['KFC staff with merchant:offers only', KFC_OFFERS_STAFF, 'FORBIDDEN'],
    ['finance staff of another merchant', NEWHOPE_STAFF, 'FORBIDDEN'],
    ['KFC finance staff', KFC_FINANCE_STAFF, null],
  ];
  it.each(rows)('%s', async (_, as, code) => {
    const { status, body } = await graph.query(QUERY, { as });
    expect(status).toBe(200);
    expect(body.data.merchant.name).toBe('KFC');
    if (code) {
      expect(errorsOf(body)).toEqual([{ path: ['merchant', 'commissions'], code }]);
      expect(body.data.merchant.commissions).toBeNull();
    } else {
      expect(body.errors).toBeUndefined();
      expect(body.data.merchant.commissions).toEqual({ edges: expect.any(Array) });
    }
  });
});

describe('merchant-side mutations', () => {
  const CREATE = /* GraphQL */ `#graphql
    mutation ($input: CreateCouponTemplateInput!) {
      createCouponTemplate(input: $input) { couponTemplate { id } userErrors { code } }
      campaign: createGroupBuyCampaign(input: {
        merchantId: "mer_kfc", title: "Duo", groupSize: 2, groupPriceFen: 100, originalPriceFen: 200,
        fillWithinMinutes: 10, startsAt: "2026-11-02T00:00:00Z", endsAt: "2026-12-01T00:00:00Z"
      }) { groupBuyCampaign { id } userErrors { code } }
    }
  `;
  const input = {
    merchantId: 'mer_kfc',
    title: 'Staff only',
    kind: 'FIXED_AMOUNT',
    faceValueFen: 100,
    totalStock: 5,
    claimStartsAt: NOW.toISOString(),
    claimEndsAt: '2026-12-01T00:00:00Z',
    validDays: 3,
  };
  const refused: [string, As | undefined, string][] = [
    ['anonymous', undefined, 'UNAUTHENTICATED'],
    ['a user without the scope', 'usr_alice', 'FORBIDDEN'],
    ['KFC staff without the scope', KFC_NO_SCOPE, 'FORBIDDEN'],
    ['staff of another merchant with the scope', NEWHOPE_STAFF, 'FORBIDDEN'],
  ];
  it.each(refused)('%s: both are null with an error at their path, and nothing is written', async (_, as, code) => {
    const before = offersRows();
    const { status, body } = await graph.query(CREATE, { as, variables: { input } });
    expect(status).toBe(200);
    expect(errorsOf(body)).toEqual(
      expect.arrayContaining([
        { path: ['createCouponTemplate'], code },
        { path: ['campaign'], code },
      ]),
    );
    expect(body.data).toEqual({ createCouponTemplate: null, campaign: null });
    expect(offersRows()).toEqual(before);
  });

  it('KFC staff with merchant:offers create both', async () => {
    const { status, body } = await graph.query(CREATE, { as: KFC_OFFERS_STAFF, variables: { input } });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.createCouponTemplate).toEqual({
      couponTemplate: { id: expect.stringMatching(/^cpt_/) },
      userErrors: [],
    });
    expect(body.data.campaign).toEqual({ groupBuyCampaign: { id: expect.stringMatching(/^gbc_/) }, userErrors: [] });
  });

  const REDEEM = /* GraphQL */ `#graphql
    mutation ($input: RedeemCouponInput!) {
      redeemCoupon(input: $input) { coupon { id status } payable { fen } commission { amount { fen } } userErrors { code } }
    }
  `;
  const redeemInput = (key: string) => ({
    couponId: 'cpn_000001',
    storeId: 'sto_kfc_hz_1',
    orderAmountFen: 6000,
    idempotencyKey: key,
  });
  it.each(refused)('redeemCoupon as %s is refused and the coupon stays available', async (_, as, code) => {
    const before = offersRows();
    const { status, body } = await graph.query(REDEEM, { as, variables: { input: redeemInput('refused') } });
    expect(status).toBe(200);
    expect(errorsOf(body)).toEqual([{ path: ['redeemCoupon'], code }]);
    expect(body.data).toEqual({ redeemCoupon: null });
    expect(offersRows()).toEqual(before);
  });

  it('KFC staff without merchant:finance redeem, but the commission in the payload is withheld', async () => {
    const { status, body } = await graph.query(REDEEM, {
      as: KFC_OFFERS_STAFF,
      variables: { input: redeemInput('ok') },
    });
    expect(status).toBe(200);
    expect(errorsOf(body)).toEqual([{ path: ['redeemCoupon', 'commission'], code: 'FORBIDDEN' }]);
    expect(body.data.redeemCoupon).toEqual({
      coupon: { id: 'cpn_000001', status: 'REDEEMED' },
      payable: { fen: 5000 },
      commission: null,
      userErrors: [],
    });
  });
});

describe('user mutations', () => {
  const MUTATIONS = /* GraphQL */ `#graphql
    mutation {
      claimCoupon(input: { templateId: "cpt_kfc_2", idempotencyKey: "a1" }) { coupon { id } userErrors { code } }
      startGroupBuy(input: { campaignId: "gbc_kfc_1", idempotencyKey: "a2" }) { group { id } userErrors { code } }
      joinGroupBuy(input: { groupId: "gbg_kfc_1", idempotencyKey: "a3" }) { group { id } userErrors { code } }
    }
  `;
  it('anonymous: each is null with UNAUTHENTICATED at its path, and nothing is written', async () => {
    const before = offersRows();
    const { status, body } = await graph.query(MUTATIONS);
    expect(status).toBe(200);
    expect(errorsOf(body)).toEqual([
      { path: ['claimCoupon'], code: 'UNAUTHENTICATED' },
      { path: ['startGroupBuy'], code: 'UNAUTHENTICATED' },
      { path: ['joinGroupBuy'], code: 'UNAUTHENTICATED' },
    ]);
    expect(body.data).toEqual({ claimCoupon: null, startGroupBuy: null, joinGroupBuy: null });
    expect(offersRows()).toEqual(before);
  });

  it('a signed-in user claims, starts and joins', async () => {
    const { status, body } = await graph.query(MUTATIONS, { as: 'usr_bob' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.claimCoupon.coupon.id).toMatch(/^cpn_/);
    expect(body.data.startGroupBuy.group.id).toMatch(/^gbg_/);
    expect(body.data.joinGroupBuy.userErrors).toEqual([]);
  });
});

describe('partner identities, straight to the offers subgraph (defence in depth)', () => {
  async function asPartner(query: string, merchantIds: string[], scopes = ['merchant:offers']) {
    const identity = partner('key_test', scopes, merchantIds);
    const { body } = await querySubgraph<{ data?: Record<string, unknown>; errors?: never }>(
      graph.subgraphs.offers.url,
      graph.secrets.subgraphSecret,
      identity,
      { query },
    );
    return body;
  }
  const REDEEM = `mutation { redeemCoupon(input: { couponId: "cpn_000002", storeId: "sto_newhope_hz_1",
    orderAmountFen: 5000, idempotencyKey: "p1" }) { coupon { status } userErrors { code } } }`;

  it('a user mutation from a partner key (no user) is UNAUTHENTICATED', async () => {
    const before = offersRows();
    const body = await asPartner(
      `mutation { claimCoupon(input: { templateId: "cpt_kfc_2", idempotencyKey: "p" }) {
      coupon { id } } }`,
      ['mer_kfc'],
    );
    expect(errorsOf(body)).toEqual([{ path: ['claimCoupon'], code: 'UNAUTHENTICATED' }]);
    expect(offersRows()).toEqual(before);
  });

  it('a key whose allow-list lacks the merchant is FORBIDDEN; with it, the redemption goes through', async () => {
    const before = offersRows();
    const outside = await asPartner(REDEEM, ['mer_kfc']);
    expect(errorsOf(outside)).toEqual([{ path: ['redeemCoupon'], code: 'FORBIDDEN' }]);
    expect(offersRows()).toEqual(before);
    const inside = await asPartner(REDEEM, ['mer_newhope']);
    expect(inside.errors).toBeUndefined();
    expect(inside.data).toEqual({ redeemCoupon: { coupon: { status: 'REDEEMED' }, userErrors: [] } });
  });
});
