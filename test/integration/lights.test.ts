import { describe, expect, it } from 'vitest';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { ANONYMOUS } from '../../subgraphs/contract/identity.ts';
import { distanceMeters } from '../../subgraphs/shared/geo.ts';
import { createTestClock, useTestGraph } from '../support/graph.ts';
import { ALICE, staff } from '../support/identities.ts';

const NOW = new Date(SEED_EPOCH.getTime() + 86_400_000);
const graph = useTestGraph({ clock: createTestClock(NOW) });
const KFC_PROMOTION = staff('usr_0500', ['merchant:promotion'], ['mer_kfc']);
const NEWHOPE_PROMOTION = staff('usr_0001', ['merchant:promotion'], ['mer_newhope']);
const KFC_NO_SCOPE = staff('usr_0003', ['merchant:offers'], ['mer_kfc']);
const codes = (body: { errors?: { path?: unknown[]; extensions?: { code?: string } }[] }) =>
  (body.errors ?? []).map((e) => ({ path: e.path, code: e.extensions?.code }));

const CAMPAIGN = /* GraphQL */ `#graphql
  query ($id: ID!) {
    promotionCampaign(id: $id) { id name status spent { fen } remainingBudget { fen }
      report { impressions clicks spend { fen } conversions ctrBps costPerConversion { fen } } }
  }
`;

describe('Lights through the gateway', () => {
  it('serves a feed slot to anyone, whose impression and click count once and charge the CPC price', async () => {
    const near = { lat: 30.25, lng: 120.17 }; // Hangzhou
    const served = await graph.query(
      `#graphql
      query ($near: GeoPointInput) { promotions(placement: HOME_FEED, near: $near, first: 3) {
        id token campaign { id name } target { __typename ... on CouponTemplate { id title } ... on GroupBuyCampaign { id } } } }`,
      { variables: { near }, as: ALICE },
    );
    expect(served.body.errors).toBeUndefined();
    const slots = served.body.data.promotions;
    expect(slots.length).toBeGreaterThan(0);
    const kfc = slots.find((s: { campaign: { id: string } }) => s.campaign.id === 'prc_kfc_feed');
    expect(kfc).toMatchObject({ target: { __typename: 'CouponTemplate', id: 'cpt_kfc_1' } });
    const record = (field: string, as = ALICE) =>
      graph.query(
        `#graphql
      mutation ($t: String!) { ${field}(token: $t) { counted userErrors { code } } }`,
        {
          variables: { t: kfc.token },
          as,
        },
      );
    expect((await record('recordPromotionClick')).body.data.recordPromotionClick.userErrors).toEqual([
      { code: 'NO_IMPRESSION' },
    ]);
    expect((await record('recordPromotionImpression')).body.data.recordPromotionImpression.counted).toBe(true);
    expect((await record('recordPromotionImpression')).body.data.recordPromotionImpression.userErrors).toEqual([
      { code: 'ALREADY_COUNTED' },
    ]);
    expect((await record('recordPromotionClick', ANONYMOUS)).body.data.recordPromotionClick.userErrors).toEqual([
      { code: 'VIEWER_MISMATCH' },
    ]);
    const before = await graph.query(CAMPAIGN, { variables: { id: 'prc_kfc_feed' }, as: KFC_PROMOTION });
    expect((await record('recordPromotionClick')).body.data.recordPromotionClick.counted).toBe(true);
    const after = await graph.query(CAMPAIGN, { variables: { id: 'prc_kfc_feed' }, as: KFC_PROMOTION });
    expect(after.body.errors).toBeUndefined();
    const spent = (b: typeof after) => b.body.data.promotionCampaign.spent.fen;
    expect(spent(after) - spent(before)).toBeGreaterThan(0);
    expect(spent(after) - spent(before)).toBeLessThanOrEqual(50); // never above the 50 fen bid
    const report = after.body.data.promotionCampaign.report;
    expect(report.conversions).toBe(1); // alice's seeded claim
    expect(report.ctrBps).toBe(Math.floor((report.clicks * 20_000 + report.impressions) / (2 * report.impressions)));
  });

  it('campaigns and reports are their merchant’s: another merchant gets null, a missing scope FORBIDDEN', async () => {
    const other = await graph.query(CAMPAIGN, { variables: { id: 'prc_kfc_feed' }, as: NEWHOPE_PROMOTION });
    expect(other.body.data.promotionCampaign).toBeNull();
    const noScope = await graph.query(CAMPAIGN, { variables: { id: 'prc_kfc_feed' }, as: KFC_NO_SCOPE });
    expect(codes(noScope.body)).toEqual([{ path: ['promotionCampaign'], code: 'FORBIDDEN' }]);
    const list = `#graphql
      { merchant(id: "mer_kfc") { id promotionCampaigns(first: 5) { edges { node { id } } } } }`;
    const mine = await graph.query(list, { as: KFC_PROMOTION });
    expect(
      mine.body.data.merchant.promotionCampaigns.edges.map((e: { node: { id: string } }) => e.node.id).sort(),
    ).toEqual(['prc_kfc_feed', 'prc_kfc_search']);
    const theirs = await graph.query(list, { as: NEWHOPE_PROMOTION });
    expect(codes(theirs.body)).toEqual([{ path: ['merchant', 'promotionCampaigns'], code: 'FORBIDDEN' }]);
    const create = await graph.query(
      `#graphql
      mutation ($i: CreatePromotionCampaignInput!) { createPromotionCampaign(input: $i) { campaign { id status } userErrors { code field } } }`,
      {
        variables: {
          i: {
            merchantId: 'mer_kfc',
            name: 'Theirs',
            placements: ['HOME_FEED'],
            targetId: 'cpt_kfc_2',
            bidding: 'CPC',
            bidFen: 10,
            dailyBudgetFen: 1000,
            totalBudgetFen: 1000,
            startsAt: NOW.toISOString(),
            endsAt: new Date(NOW.getTime() + 86_400_000 * 5).toISOString(),
            idempotencyKey: 'x',
          },
        },
        as: NEWHOPE_PROMOTION,
      },
    );
    expect(codes(create.body)).toEqual([{ path: ['createPromotionCampaign'], code: 'FORBIDDEN' }]);
  });

  it('the payment-success page lists claimable coupons of circle merchants within 1 km, nearest first', async () => {
    const db = graph.subgraphs.offers.database.sqlite;
    const store = db
      .prepare("select * from store_merchants where store_id like 'sto_kfc_%' order by store_id limit 1")
      .get() as { store_id: string; lat: number; lng: number };
    const { body } = await graph.query(
      `#graphql
      query ($s: ID!) { paymentSuccessPage(storeId: $s) {
        promotions { campaign { id } } nearbyCoupons(first: 20) { edges { node { id merchant { id } status } } } } }`,
      { variables: { s: store.store_id } },
    );
    expect(body.errors).toBeUndefined();
    const nodes = body.data.paymentSuccessPage.nearbyCoupons.edges.map(
      (e: { node: { id: string; merchant: { id: string }; status: string } }) => e.node,
    );
    expect(nodes.length).toBeGreaterThan(0);
    const distances = nodes.map((n: { merchant: { id: string } }) => {
      const stores = db.prepare('select lat, lng from store_merchants where merchant_id = ?').all(n.merchant.id) as {
        lat: number;
        lng: number;
      }[];
      return Math.min(...stores.map((s) => distanceMeters(store, s)));
    });
    expect(distances.every((d: number) => d <= 1000)).toBe(true);
    expect([...distances].sort((a, b) => a - b)).toEqual(distances);
    expect(nodes.every((n: { status: string }) => n.status === 'ACTIVE')).toBe(true);
    for (const n of nodes) {
      const terms = db
        .prepare('select joined_circle_at from merchant_terms where merchant_id = ?')
        .get(n.merchant.id) as { joined_circle_at: number | null };
      expect(terms.joined_circle_at).not.toBeNull();
    }
  });
});
