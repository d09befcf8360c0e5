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

/** Six more KFC campaigns on the consumption circle, written straight into offers' database. */
function moreCampaigns() {
  const insert = graph.subgraphs.offers.database.sqlite.prepare(
    `insert into promotion_campaigns (id, merchant_id, name, placements, target_type, target_id, bidding, bid_fen,
       daily_budget_fen, total_budget_fen, starts_at, ends_at, target_cities, radius_meters, keywords, spent_milli_fen,
       paused_at, created_at)
     values (?, 'mer_kfc', ?, '["CONSUMPTION_CIRCLE"]', 'CouponTemplate', ?, 'CPC', ?, 10000, 10000, ?, ?, '[]', null,
       '[]', 0, null, ?)`,
  );
  for (let i = 1; i <= 6; i++) {
    insert.run(
      `prc_np1_${i}`,
      `N+1 ${i}`,
      i % 2 ? 'cpt_kfc_1' : 'cpt_kfc_2',
      10 + i,
      NOW.getTime() - 86_400_000,
      NOW.getTime() + 30 * 86_400_000,
      NOW.getTime() - 86_400_000 * 2 + i,
    );
  }
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
});
