import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeOffers } from '../../seeds/write-offers.ts';
import { ANONYMOUS, type Identity } from '../../subgraphs/contract/identity.ts';
import { offers } from '../../subgraphs/offers/index.ts';
import type * as tables from '../../subgraphs/offers/tables.ts';
import { commissions, settlements } from '../../subgraphs/offers/tables.ts';
import type { StartedSubgraph } from '../../subgraphs/shared/server.ts';
import { ALICE, BOB, staff } from '../support/identities.ts';
import { postToSubgraph, querySubgraph, SUBGRAPH_TEST_SECRET, startSeededSubgraph } from '../support/subgraph.ts';

const NOW = new Date(SEED_EPOCH.getTime() + 86_400_000);
/** Bob as KFC staff: he also owns a seeded KFC coupon, which the staff read of entities includes. */
const BOB_KFC_STAFF = staff('usr_bob', ['merchant:offers', 'merchant:finance'], ['mer_kfc']);
let subgraph: StartedSubgraph<typeof tables>;

beforeAll(async () => {
  subgraph = await startSeededSubgraph(offers, seedWithACommission, { clock: { now: () => NOW } });
});
afterAll(async () => {
  await subgraph?.stop();
});

function seedWithACommission(db: BetterSQLite3Database<typeof tables>): void {
  writeOffers(db, buildWorld(1));
  // The seed has no redemptions yet: one settled redemption from a live stream, with its commission.
  const at = new Date(SEED_EPOCH.getTime() - 3_600_000);
  db.insert(settlements)
    .values({
      id: 'stl_1',
      merchantId: 'mer_kfc',
      sourceKind: 'COUPON_REDEMPTION',
      sourceId: 'cpn_000003',
      amountFen: 4000,
      liveStreamId: 'lvs_kfc_1',
      createdAt: at,
    })
    .run();
  db.insert(commissions)
    .values({
      id: 'com_1',
      merchantId: 'mer_kfc',
      settlementId: 'stl_1',
      kind: 'PLATFORM_FEE',
      rateBps: 110,
      baseAmountFen: 4000,
      amountFen: 44,
      createdAt: at,
    })
    .run();
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by shape
async function gql(query: string, variables: Record<string, unknown> = {}, as: Identity = ALICE): Promise<any> {
  return (await querySubgraph(subgraph.url, SUBGRAPH_TEST_SECRET, as, { query, variables })).body;
}

const entities = (fragment: string) => `#graphql
  query($r: [_Any!]!) { _entities(representations: $r) { __typename ${fragment} } }`;
const ids = (conn: { edges: { node: { id: string } }[] }) => conn.edges.map((e) => e.node.id);

describe('offers subgraph reads', () => {
  it('reads a coupon template with money, status and the viewer claim count', async () => {
    const query = `#graphql
      query { couponTemplate(id: "cpt_kfc_1") { id merchant { id } title kind faceValue { fen yuan currency }
        percentOff cap { fen } minSpend { yuan } totalStock remainingStock perUserLimit claimStartsAt claimEndsAt
        validDays status createdAt viewerClaimedCount } }`;
    const body = await gql(query);
    expect(body.errors).toBeUndefined();
    expect(body.data.couponTemplate).toMatchObject({
      id: 'cpt_kfc_1',
      merchant: { id: 'mer_kfc' },
      kind: 'FIXED_AMOUNT',
      faceValue: { fen: 1000, yuan: '10.00', currency: 'CNY' },
      percentOff: null,
      cap: null,
      minSpend: { yuan: '50.00' },
      totalStock: 1000,
      perUserLimit: 2,
      status: 'ACTIVE',
      validDays: 30,
      viewerClaimedCount: 1,
    });
    expect(body.data.couponTemplate.remainingStock).toBeLessThan(1000);
    // Exactly the stock left after the seeded claims, not merely some of it.
    const seededClaims = buildWorld(1).coupons.filter((c) => c.templateId === 'cpt_kfc_1').length;
    expect(body.data.couponTemplate.remainingStock).toBe(1000 - seededClaims);
    const anonymous = await gql(query, {}, ANONYMOUS);
    expect(anonymous.data.couponTemplate.viewerClaimedCount).toBe(0);
  });

  it('shows a coupon to its owner only', async () => {
    const query = `#graphql
      query($id: ID!) { coupon(id: $id) { id status owner { id } template { id } liveStream { id } claimedAt expiresAt redeemedAt } }`;
    const own = await gql(query, { id: 'cpn_000001' });
    expect(own.errors).toBeUndefined();
    expect(own.data.coupon).toMatchObject({
      id: 'cpn_000001',
      status: 'AVAILABLE',
      owner: { id: 'usr_alice' },
      template: { id: 'cpt_kfc_1' },
      liveStream: null,
      redeemedAt: null,
    });
    const bobs = await gql(query, { id: 'cpn_000003' });
    expect(bobs.data.coupon).toBeNull();
    expect(bobs.errors[0].extensions.code).toBe('FORBIDDEN');
    const asBob = await gql(query, { id: 'cpn_000003' }, BOB);
    expect(asBob.data.coupon.liveStream).toEqual({ id: 'lvs_kfc_1' });
  });

  it('reads a campaign with its open groups and a group with its members', async () => {
    const body = await gql(`#graphql
      query { groupBuyCampaign(id: "gbc_kfc_1") { id merchant { id } title groupSize groupPrice { fen }
          originalPrice { fen } fillWithinMinutes startsAt endsAt
          openGroups(first: 5) { edges { node { id } } pageInfo { hasNextPage } } }
        groupBuyGroup(id: "gbg_kfc_1") { id campaign { id groupSize } leader { id } status remainingSlots
          expiresAt createdAt succeededAt members { user { id } joinedAt paid { fen } refunded } } }`);
    expect(body.errors).toBeUndefined();
    const { groupBuyCampaign: campaign, groupBuyGroup: group } = body.data;
    expect(campaign).toMatchObject({ id: 'gbc_kfc_1', merchant: { id: 'mer_kfc' }, fillWithinMinutes: 1440 });
    expect(campaign.groupPrice.fen).toBeLessThan(campaign.originalPrice.fen);
    expect(ids(campaign.openGroups)).toEqual(['gbg_kfc_1']);
    expect(group).toMatchObject({
      id: 'gbg_kfc_1',
      campaign: { id: 'gbc_kfc_1' },
      leader: { id: 'usr_carol' },
      status: 'FORMING',
      remainingSlots: campaign.groupSize - 1,
      succeededAt: null,
      members: [{ user: { id: 'usr_carol' }, paid: { fen: campaign.groupPrice.fen }, refunded: false }],
    });
  });

  it('returns null for unknown ids, without errors', async () => {
    const body = await gql(`#graphql
      query { couponTemplate(id: "cpt_nope") { id } coupon(id: "cpn_nope") { id }
        groupBuyCampaign(id: "gbc_nope") { id } groupBuyGroup(id: "gbg_nope") { id } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ couponTemplate: null, coupon: null, groupBuyCampaign: null, groupBuyGroup: null });
  });

  it('resolves each owned entity by reference, null for unknown ids', async () => {
    const body = await gql(
      entities(`... on CouponTemplate { id title } ... on Coupon { id status } ... on GroupBuyCampaign { id title }
        ... on GroupBuyGroup { id groupStatus: status } ... on Commission { id kind rateBps amount { fen } baseAmount { fen } }`),
      {
        r: [
          { __typename: 'CouponTemplate', id: 'cpt_kfc_1' },
          { __typename: 'Coupon', id: 'cpn_000003' },
          { __typename: 'GroupBuyCampaign', id: 'gbc_kfc_1' },
          { __typename: 'GroupBuyGroup', id: 'gbg_kfc_1' },
          { __typename: 'Commission', id: 'com_1' },
          { __typename: 'CouponTemplate', id: 'cpt_nope' },
        ],
      },
      BOB_KFC_STAFF,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data._entities).toMatchObject([
      { id: 'cpt_kfc_1' },
      { id: 'cpn_000003', status: 'AVAILABLE' },
      { id: 'gbc_kfc_1' },
      { id: 'gbg_kfc_1', groupStatus: 'FORMING' },
      { id: 'com_1', kind: 'PLATFORM_FEE', rateBps: 110, amount: { fen: 44 }, baseAmount: { fen: 4000 } },
      null,
    ]);
  });

  it('adds offers to merchants: templates and campaigns for anyone, commissions for its staff only', async () => {
    const query = entities(`... on Merchant { id couponTemplates(first: 5) { edges { node { id } } }
      groupBuyCampaigns { edges { node { id } } } commissions { edges { node { id amount { fen } } } } }`);
    const r = [{ __typename: 'Merchant', id: 'mer_kfc' }];
    const staff = await gql(query, { r }, BOB_KFC_STAFF);
    expect(staff.errors).toBeUndefined();
    const kfc = staff.data._entities[0];
    expect(ids(kfc.couponTemplates).sort()).toEqual(['cpt_kfc_1', 'cpt_kfc_2']);
    expect(ids(kfc.groupBuyCampaigns)).toEqual(['gbc_kfc_1']);
    expect(kfc.commissions.edges).toEqual([{ node: { id: 'com_1', amount: { fen: 44 } } }]);
    const outsider = await gql(query, { r });
    expect(outsider.data._entities[0].commissions).toBeNull();
    expect(ids(outsider.data._entities[0].couponTemplates)).toHaveLength(2);
    expect(outsider.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['FORBIDDEN']);
  });

  it("shows a user's coupons to that user only, filtered by status", async () => {
    const query = entities(`... on User { id coupons(status: $s) { edges { node { id status } } } }`).replace(
      'query($r: [_Any!]!)',
      'query($r: [_Any!]!, $s: CouponStatus)',
    );
    const mine = await gql(query, { r: [{ __typename: 'User', id: 'usr_alice' }] });
    expect(mine.errors).toBeUndefined();
    expect(ids(mine.data._entities[0].coupons).sort()).toEqual(['cpn_000001', 'cpn_000002']);
    const expired = await gql(query, { r: [{ __typename: 'User', id: 'usr_alice' }], s: 'EXPIRED' });
    expect(expired.data._entities[0].coupons.edges).toEqual([]);
    const bobs = await gql(query, { r: [{ __typename: 'User', id: 'usr_bob' }] });
    expect(bobs.data._entities[0].coupons).toBeNull();
    expect(bobs.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('sums live stream sales from settled redemptions of featured templates only, zero when none', async () => {
    const featured = ['cpt_kfc_1', 'gbc_kfc_1'];
    const body = await gql(entities('... on LiveStream { id sales { fen yuan } }'), {
      r: [
        { __typename: 'LiveStream', id: 'lvs_kfc_1', featuredOfferIds: featured },
        { __typename: 'LiveStream', id: 'lvs_kfc_2', featuredOfferIds: featured },
        // The same stream, had it featured other offers: the redemptions of cpt_kfc_1 do not count.
        { __typename: 'LiveStream', id: 'lvs_kfc_1', featuredOfferIds: ['cpt_kfc_2'] },
        { __typename: 'LiveStream', id: 'lvs_kfc_1', featuredOfferIds: [] },
      ],
    });
    expect(body.errors).toBeUndefined();
    expect(body.data._entities).toEqual([
      { __typename: 'LiveStream', id: 'lvs_kfc_1', sales: { fen: 4000, yuan: '40.00' } },
      { __typename: 'LiveStream', id: 'lvs_kfc_2', sales: { fen: 0, yuan: '0.00' } },
      { __typename: 'LiveStream', id: 'lvs_kfc_1', sales: { fen: 0, yuan: '0.00' } },
      { __typename: 'LiveStream', id: 'lvs_kfc_1', sales: { fen: 0, yuan: '0.00' } },
    ]);
  });

  it('refuses first: 0 and first: 101 with BAD_USER_INPUT', async () => {
    for (const first of [0, 101]) {
      const body = await gql(
        `#graphql
        query($first: Int) { groupBuyCampaign(id: "gbc_kfc_1") { openGroups(first: $first) { edges { node { id } } } } }`,
        { first },
      );
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('pages merchants with a statement count that does not grow with page size', async () => {
    const query = entities(`... on Merchant { couponTemplates(first: $n) { edges { node { id viewerClaimedCount } } }
      groupBuyCampaigns(first: $n) { edges { node { openGroups(first: $n) { edges { node { id
        members { user { id } } } } } } } } }`).replace('query($r: [_Any!]!)', 'query($r: [_Any!]!, $n: Int)');
    const r = buildWorld(1).merchants.map((m) => ({ __typename: 'Merchant', id: m.id }));
    const cost = async (n: number) => {
      const before = subgraph.database.stats.statements;
      const body = await gql(query, { r, n });
      expect(body.errors).toBeUndefined();
      return subgraph.database.stats.statements - before;
    };
    expect(await cost(50)).toBe(await cost(1));
  });
});

describe('claimCoupon over HTTP', () => {
  const CLAIM = `#graphql
    mutation($input: ClaimCouponInput!) { claimCoupon(input: $input) {
      coupon { id status owner { id } template { id remainingStock viewerClaimedCount } }
      userErrors { code message field } } }`;

  it('claims once per key: a repeat returns the same coupon and keeps stock and counts exact', async () => {
    const input = { templateId: 'cpt_newhope_2', idempotencyKey: 'carol-1' };
    const carol = { ...ALICE, subject: 'usr_carol' };
    const first = await gql(CLAIM, { input }, carol);
    expect(first.errors).toBeUndefined();
    expect(first.data.claimCoupon.userErrors).toEqual([]);
    const coupon = first.data.claimCoupon.coupon;
    expect(coupon).toMatchObject({ status: 'AVAILABLE', owner: { id: 'usr_carol' } });
    expect(coupon.template.viewerClaimedCount).toBe(1);
    const again = await gql(CLAIM, { input }, carol);
    expect(again.data.claimCoupon.coupon).toEqual(coupon);
    const limit = await gql(CLAIM, { input: { ...input, idempotencyKey: 'carol-2' } }, carol);
    expect(limit.data.claimCoupon).toMatchObject({ coupon: null, userErrors: [{ code: 'LIMIT_REACHED' }] });
    const reused = await gql(CLAIM, { input: { ...input, templateId: 'cpt_kfc_2' } }, carol);
    expect(reused.data.claimCoupon.userErrors[0].code).toBe('IDEMPOTENCY_KEY_REUSED');
    const after = await gql('query { couponTemplate(id: "cpt_newhope_2") { remainingStock } }');
    expect(after.data.couponTemplate.remainingStock).toBe(coupon.template.remainingStock);
  });

  it('reports an unknown template as NOT_FOUND and changes nothing', async () => {
    const body = await gql(CLAIM, { input: { templateId: 'cpt_nope', idempotencyKey: 'x' } });
    expect(body.data.claimCoupon).toMatchObject({
      coupon: null,
      userErrors: [{ code: 'NOT_FOUND', field: ['input', 'templateId'] }],
    });
  });

  it('requires a signed-in user', async () => {
    const body = await gql(CLAIM, { input: { templateId: 'cpt_kfc_2', idempotencyKey: 'anon' } }, ANONYMOUS);
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('offers subgraph transport', () => {
  it('refuses a request without the gateway-signed identity with HTTP 401', async () => {
    const res = await postToSubgraph(subgraph.url, { query: '{ couponTemplate(id: "cpt_kfc_1") { id } }' });
    expect(res.status).toBe(401);
  });
});
