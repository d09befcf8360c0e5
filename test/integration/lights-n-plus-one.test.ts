import { describe, expect, it } from 'vitest';
import { SEED_EPOCH } from '../../seeds/world.ts';
import { type As, createTestClock, useTestGraph } from '../support/graph.ts';
import { staff } from '../support/identities.ts';

const NOW = new Date(SEED_EPOCH.getTime() + 86_400_000);
const graph = useTestGraph({ clock: createTestClock(NOW) });
const KFC_PROMOTION = staff('usr_0500', ['merchant:promotion'], ['mer_kfc']);

async function statementsFor(query: string, variables: Record<string, unknown>, as?: As) {
  const before = graph.statementCount();
  const { body } = await graph.query(query, { variables, as });
  expect(body.errors).toBeUndefined();
  return { statements: graph.statementCount() - before, data: body.data };
}

/** Six more KFC campaigns on `placement`, written straight into offers' database. */
function moreCampaigns(placement = 'CONSUMPTION_CIRCLE', prefix = 'prc_np1') {
  const insert = graph.subgraphs.offers.database.sqlite.prepare(
    `insert into promotion_campaigns (id, merchant_id, name, placements, target_type, target_id, bidding, bid_fen,
       daily_budget_fen, total_budget_fen, starts_at, ends_at, target_cities, radius_meters, keywords, spent_milli_fen,
       paused_at, created_at)
     values (?, 'mer_kfc', ?, ?, 'CouponTemplate', ?, 'CPC', ?, 10000, 10000, ?, ?, '[]', null,
       '[]', 0, null, ?)`,
  );
  for (let i = 1; i <= 6; i++) {
    insert.run(
      `${prefix}_${i}`,
      `N+1 ${i}`,
      JSON.stringify([placement]),
      i % 2 ? 'cpt_kfc_1' : 'cpt_kfc_2',
      10 + i,
      NOW.getTime() - 86_400_000,
      NOW.getTime() + 30 * 86_400_000,
      NOW.getTime() - 86_400_000 * 2 + i,
    );
  }
}

/** `n` copies of a coupon template (ids `<id>_np1_<i>`), so the store's nearby coupons outnumber the seed's two. */
function copiesOf(templateId: string, n: number) {
  const sqlite = graph.subgraphs.offers.database.sqlite;
  const columns = sqlite.prepare("select name from pragma_table_info('coupon_templates')").pluck().all() as string[];
  const others = columns.filter((c) => c !== 'id');
  const copy = sqlite.prepare(
    `insert into coupon_templates (id, ${others.join(', ')}) select ?, ${others.join(', ')} from coupon_templates where id = ?`,
  );
  for (let i = 1; i <= n; i++) copy.run(`${templateId}_np1_${i}`, templateId);
}

describe('no N+1 in Lights', () => {
  it('promotions at 2 and 6 slots, and Merchant.promotionCampaigns with reports at 2 and 8, cost the same', async () => {
    moreCampaigns();
    const promotions = `#graphql
      query ($n: Int!) { promotions(placement: CONSUMPTION_CIRCLE, first: $n) { id token campaign { id name status }
        target { ... on CouponTemplate { id title remainingStock } } } }`;
    const small = await statementsFor(promotions, { n: 2 });
    const large = await statementsFor(promotions, { n: 6 });
    expect(small.data.promotions).toHaveLength(2);
    expect(large.data.promotions).toHaveLength(6);
    expect(large.statements).toBe(small.statements);
    const list = `#graphql
      query ($n: Int!) { merchant(id: "mer_kfc") { promotionCampaigns(first: $n) { edges { node { id status
        spent { fen } target { ... on CouponTemplate { id } } report { impressions clicks conversions spend { fen } } } } } } }`;
    const few = await statementsFor(list, { n: 2 }, KFC_PROMOTION);
    const many = await statementsFor(list, { n: 8 }, KFC_PROMOTION);
    expect(many.data.merchant.promotionCampaigns.edges).toHaveLength(8);
    expect(many.statements).toBe(few.statements);
  });

  it('paymentSuccessPage with 2 and 6 promotions and 2 and more nearby coupons costs the same', async () => {
    moreCampaigns('PAYMENT_SUCCESS', 'prc_np1_pay');
    // A KFC store: campaigns without a radius reach a store of theirs within 1 km, so all six are candidates.
    const store = graph.subgraphs.offers.database.sqlite
      .prepare("select store_id from store_merchants where merchant_id = 'mer_kfc' order by store_id limit 1")
      .pluck()
      .get() as string;
    const page = `#graphql
      query ($s: ID!, $n: Int!) { paymentSuccessPage(storeId: $s) {
        promotions(first: $n) { id token campaign { id name status } target { ... on CouponTemplate { id title remainingStock } } }
        nearbyCoupons(first: $n) { edges { node { id title status remainingStock merchant { id } } } } } }`;
    const small = await statementsFor(page, { s: store, n: 2 });
    copiesOf(small.data.paymentSuccessPage.nearbyCoupons.edges[0].node.id, 4);
    const large = await statementsFor(page, { s: store, n: 6 });
    expect(small.data.paymentSuccessPage.promotions).toHaveLength(2);
    expect(large.data.paymentSuccessPage.promotions).toHaveLength(6);
    expect(small.data.paymentSuccessPage.nearbyCoupons.edges).toHaveLength(2);
    expect(large.data.paymentSuccessPage.nearbyCoupons.edges).toHaveLength(6);
    expect(large.statements).toBe(small.statements);
  });
});
