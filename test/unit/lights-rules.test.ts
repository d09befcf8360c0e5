import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildWorld, SEED_EPOCH } from '../../seeds/world.ts';
import { writeOffers } from '../../seeds/write-offers.ts';
import { offers } from '../../subgraphs/offers/index.ts';
import { runAuction } from '../../subgraphs/offers/lights/auction.ts';
import { createPromotionCampaign } from '../../subgraphs/offers/lights/campaigns.ts';
import { recordClick, recordImpression } from '../../subgraphs/offers/lights/charge.ts';
import { nextShanghaiMidnight, shanghaiDay } from '../../subgraphs/offers/lights/day.ts';
import { serve } from '../../subgraphs/offers/lights/serve.ts';
import { campaignStatus } from '../../subgraphs/offers/lights/status.ts';
import { signSlotToken } from '../../subgraphs/offers/lights/tokens.ts';
import { claimCoupon } from '../../subgraphs/offers/rules/claim-coupon.ts';
import { promotionCampaigns, promotionConversions } from '../../subgraphs/offers/tables.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { testDataDir } from '../support/temp.ts';

const SECRET = 'test-subgraph-secret';
const NOW = new Date(SEED_EPOCH.getTime() + 3 * 86_400_000);
const kfc = {
  kind: 'merchant' as const,
  merchantId: 'mer_kfc',
  scope: 'merchant:promotion' as const,
  callerId: 'usr_k',
};

function seeded() {
  const database = openSubgraphDatabase(offers, testDataDir('lg-lights-'));
  writeOffers(database.db, buildWorld(1));
  return database;
}

const input = (over: Record<string, unknown> = {}) => ({
  merchantId: 'mer_kfc',
  name: 'Test campaign',
  placements: ['HOME_FEED' as const],
  targetId: 'cpt_kfc_2',
  bidding: 'CPC' as const,
  bidFen: 10,
  dailyBudgetFen: 370,
  totalBudgetFen: 370,
  startsAt: NOW,
  endsAt: new Date(NOW.getTime() + 30 * 86_400_000),
  idempotencyKey: `k-${Math.random()}`,
  ...over,
});

function campaign(db: ReturnType<typeof seeded>['db'], over: Record<string, unknown> = {}) {
  const result = createPromotionCampaign(db, NOW, kfc, input(over));
  expect(result.userErrors).toEqual([]);
  if (!result.campaign) throw new Error('campaign not created');
  return result.campaign;
}

const token = (campaignId: string, slotId: string, over: Record<string, unknown> = {}) =>
  signSlotToken(SECRET, {
    slotId,
    campaignId,
    placement: 'HOME_FEED',
    viewer: 'usr_v',
    priceFen: 10,
    expiresAt: NOW.getTime() + 60_000,
    ...over,
  });

describe('Lights auction (hand-computed)', () => {
  const b = (id: string, bidding: 'CPC' | 'CPM', bidFen: number, impressions = 0, clicks = 0) => ({
    id,
    bidding,
    bidFen,
    impressions,
    clicks,
  });

  it('ranks by bid × smoothed CTR and charges the next score / own quality + 1 fen', () => {
    // Fresh CPC campaigns share the prior quality 2/100: a (100 fen) beats b (60 fen) and pays 60 + 1.
    expect(runAuction([b('b', 'CPC', 60), b('a', 'CPC', 100)], 2).map((r) => [r.bidder.id, r.priceFen])).toEqual([
      ['a', 61],
      ['b', 1],
    ]);
    // a: 100 fen × (0+2)/(100+100) = 1; b: 60 × (10+2)/(100+100) = 3.6 → b first; b pays ceil(1/(12/200)) + 1 = 18.
    const ranked = runAuction([b('a', 'CPC', 100, 100, 0), b('b', 'CPC', 60, 100, 10)], 2);
    expect(ranked.map((r) => [r.bidder.id, r.priceFen])).toEqual([
      ['b', 18],
      ['a', 1],
    ]);
  });

  it('never charges above the bid, and compares CPM at weight 50 against CPC at 1000', () => {
    // A CPM bid of 2000 at the prior scores 2000 × 50 × 2/100 = 2000; a CPC bid of 100 scores 100 × 1000 × 2/100 = 2000.
    // Equal scores: the id decides; the winner ties the next at its own bid, + 1 fen is capped by the bid.
    const r = runAuction([b('z', 'CPC', 100), b('m', 'CPM', 2000)], 1);
    expect(r).toEqual([{ bidder: expect.objectContaining({ id: 'm' }), priceFen: 2000 }]);
  });
});

describe('Lights charging', () => {
  it('counts a token once; a click needs its impression; forged and expired tokens are refused', () => {
    const { db } = seeded();
    const c = campaign(db);
    expect(recordClick(db, NOW, SECRET, 'usr_v', token(c.id, 'slt_a')).userErrors[0]?.code).toBe('NO_IMPRESSION');
    expect(recordImpression(db, NOW, SECRET, 'usr_v', token(c.id, 'slt_a')).counted).toBe(true);
    expect(recordImpression(db, NOW, SECRET, 'usr_v', token(c.id, 'slt_a')).userErrors[0]?.code).toBe(
      'ALREADY_COUNTED',
    );
    expect(recordClick(db, NOW, SECRET, 'usr_v', token(c.id, 'slt_a')).counted).toBe(true);
    expect(recordClick(db, NOW, SECRET, 'usr_v', token(c.id, 'slt_a')).userErrors[0]?.code).toBe('ALREADY_COUNTED');
    const forged = `${token(c.id, 'slt_b').slice(0, -3)}AAA`;
    expect(recordImpression(db, NOW, SECRET, 'usr_v', forged).userErrors[0]?.code).toBe('INVALID_TOKEN');
    expect(recordImpression(db, NOW, 'other-secret', 'usr_v', token(c.id, 'slt_b')).userErrors[0]?.code).toBe(
      'INVALID_TOKEN',
    );
    const late = new Date(NOW.getTime() + 61_000);
    expect(recordImpression(db, late, SECRET, 'usr_v', token(c.id, 'slt_b')).userErrors[0]?.code).toBe('TOKEN_EXPIRED');
    expect(recordImpression(db, NOW, SECRET, 'usr_w', token(c.id, 'slt_b')).userErrors[0]?.code).toBe(
      'VIEWER_MISMATCH',
    );
    const after = db.select().from(promotionCampaigns).where(eq(promotionCampaigns.id, c.id)).get();
    expect(after?.spentMilliFen).toBe(10_000); // one click at 10 fen
  });

  it('caps a viewer at 3 impressions per campaign per Asia/Shanghai day, and resets at Shanghai midnight', () => {
    const { db } = seeded();
    const c = campaign(db, { bidding: 'CPM', bidFen: 1000 });
    const lastMinute = new Date(nextShanghaiMidnight(NOW).getTime() - 30_000);
    const at = (when: Date, slot: string) =>
      recordImpression(db, when, SECRET, 'usr_v', token(c.id, slot, { expiresAt: when.getTime() + 60_000 }));
    for (const s of ['1', '2', '3']) expect(at(lastMinute, `slt_${s}`).counted).toBe(true);
    expect(at(lastMinute, 'slt_4').userErrors[0]?.code).toBe('FREQUENCY_CAPPED');
    expect(
      serve(db, lastMinute, SECRET, {
        placement: 'HOME_FEED',
        viewer: 'usr_v',
        near: null,
        query: null,
        first: 10,
      }).map((s) => s.campaign.id),
    ).not.toContain(c.id);
    const midnight = nextShanghaiMidnight(NOW);
    expect(shanghaiDay(midnight)).not.toBe(shanghaiDay(lastMinute));
    expect(midnight.toISOString().slice(11)).toBe('16:00:00.000Z');
    expect(at(midnight, 'slt_5').counted).toBe(true);
  });

  it('a spent daily budget is EXHAUSTED until the next Shanghai day; a spent total for good', () => {
    const { db } = seeded();
    const c = campaign(db, { bidFen: 10, dailyBudgetFen: 10, totalBudgetFen: 20 });
    recordImpression(db, NOW, SECRET, 'usr_v', token(c.id, 'slt_d1'));
    expect(recordClick(db, NOW, SECRET, 'usr_v', token(c.id, 'slt_d1')).counted).toBe(true);
    const row = () => db.select().from(promotionCampaigns).where(eq(promotionCampaigns.id, c.id)).get() as typeof c;
    expect(campaignStatus(row(), 10_000, NOW)).toBe('EXHAUSTED');
    const tomorrow = nextShanghaiMidnight(NOW);
    expect(campaignStatus(row(), 0, tomorrow)).toBe('ACTIVE');
    const t2 = token(c.id, 'slt_d2', { expiresAt: tomorrow.getTime() + 60_000 });
    recordImpression(db, tomorrow, SECRET, 'usr_v', t2);
    expect(recordClick(db, tomorrow, SECRET, 'usr_v', t2).counted).toBe(true);
    expect(campaignStatus(row(), 0, new Date(tomorrow.getTime() + 2 * 86_400_000))).toBe('EXHAUSTED');
  });

  it('money inputs: 0, negative and above the maximum are INVALID_INPUT', () => {
    const { db } = seeded();
    const fields = (over: Record<string, unknown>) =>
      createPromotionCampaign(db, NOW, kfc, input(over)).userErrors.map((e) => e.field?.[1]);
    expect(fields({ bidFen: 0 })).toContain('bidFen');
    expect(fields({ bidFen: -5 })).toContain('bidFen');
    expect(fields({ bidFen: 100_001, dailyBudgetFen: 200_000, totalBudgetFen: 200_000 })).toContain('bidFen');
    expect(fields({ dailyBudgetFen: 0 })).toContain('dailyBudgetFen');
    expect(fields({ totalBudgetFen: 100_000_001 })).toContain('totalBudgetFen');
    expect(fields({ totalBudgetFen: 100 })).toContain('totalBudgetFen'); // below the daily budget
    expect(fields({ bidFen: 100_000, dailyBudgetFen: 100_000_000, totalBudgetFen: 100_000_000 })).toEqual([]);
  });
});

describe('Lights attribution', () => {
  it('a claim within 24 h of the last click converts for that click’s campaign; later claims do not', () => {
    const { db } = seeded();
    const first = campaign(db);
    const second = campaign(db);
    const click = (c: string, slot: string, at: Date) => {
      const t = token(c, slot, { viewer: 'usr_buyer', expiresAt: at.getTime() + 60_000 });
      recordImpression(db, at, SECRET, 'usr_buyer', t);
      expect(recordClick(db, at, SECRET, 'usr_buyer', t).counted).toBe(true);
    };
    click(first.id, 'slt_x1', NOW);
    click(second.id, 'slt_x2', new Date(NOW.getTime() + 3_600_000));
    const claimAt = new Date(NOW.getTime() + 23 * 3_600_000);
    const claim = (at: Date, key: string, user = 'usr_buyer') =>
      claimCoupon(db, at, { kind: 'user', userId: user }, { templateId: 'cpt_kfc_2', idempotencyKey: key });
    expect(claim(claimAt, 'c1').userErrors).toEqual([]);
    const conversions = db
      .select()
      .from(promotionConversions)
      .where(eq(promotionConversions.userId, 'usr_buyer'))
      .all();
    expect(conversions.map((c) => [c.campaignId, c.clickTokenId])).toEqual([[second.id, 'slt_x2']]);
    // Outside the window (25 h after the last click) another user's claim and a late claim convert nothing.
    const db2 = seeded().db;
    const c3 = campaign(db2);
    const t = token(c3.id, 'slt_y', { viewer: 'usr_late' });
    recordImpression(db2, NOW, SECRET, 'usr_late', t);
    recordClick(db2, NOW, SECRET, 'usr_late', t);
    claimCoupon(
      db2,
      new Date(NOW.getTime() + 25 * 3_600_000),
      { kind: 'user', userId: 'usr_late' },
      {
        templateId: 'cpt_kfc_2',
        idempotencyKey: 'late',
      },
    );
    expect(db2.select().from(promotionConversions).where(eq(promotionConversions.userId, 'usr_late')).all()).toEqual(
      [],
    );
  });
});
