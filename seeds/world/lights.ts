import { shanghaiDay } from '../../subgraphs/offers/lights/day.ts';
import type * as tables from '../../subgraphs/offers/tables.ts';
import { FAR_FUTURE_DAYS, FIXED } from '../fixtures.ts';
import type { Row, SeedContext } from './context.ts';

type Campaign = Row<typeof tables.promotionCampaigns>;
type Placement = tables.Placement;

/** One seeded campaign: its terms, and how many impressions and clicks it had on each of the 7 days before the epoch. */
interface Plan {
  key: string;
  merchant: string;
  name: string;
  placements: Placement[];
  targetType: Campaign['targetType'];
  targetId: string;
  bidding: 'CPC' | 'CPM';
  bidFen: number;
  dailyBudgetFen: number;
  /** Total budget; `null`: exactly what the history spent plus `leftFen`. */
  totalBudgetFen: number | null;
  leftFen?: number;
  cities?: string[];
  radiusMeters?: number | null;
  keywords?: string[];
  perDay: { impressions: number; clicks: number };
}

/**
 * Lights campaigns of several brands across every placement, with a week of impressions and clicks (deterministic:
 * no random draws, so the rest of the world is unchanged). Muji's is near exhaustion (a few fen left), Zhou Hei Ya's
 * has spent its whole budget (EXHAUSTED), and alice's click on KFC's coupon campaign converted when she claimed it.
 */
const PLANS: Plan[] = [
  {
    key: 'kfc_feed',
    merchant: 'mer_kfc',
    name: 'KFC crispy week',
    placements: ['HOME_FEED', 'LIFE_CHANNEL'],
    targetType: 'CouponTemplate',
    targetId: FIXED.kfcCouponTemplate,
    bidding: 'CPC',
    bidFen: 50,
    dailyBudgetFen: 20_000,
    totalBudgetFen: 500_000,
    cities: ['Hangzhou'],
    perDay: { impressions: 40, clicks: 3 },
  },
  {
    key: 'kfc_search',
    merchant: 'mer_kfc',
    name: 'KFC in search',
    placements: ['SEARCH'],
    targetType: 'CouponTemplate',
    targetId: FIXED.kfcCouponTemplate,
    bidding: 'CPC',
    bidFen: 80,
    dailyBudgetFen: 10_000,
    totalBudgetFen: 300_000,
    keywords: ['kfc', '肯德基', 'fried chicken', '炸鸡'],
    perDay: { impressions: 20, clicks: 2 },
  },
  {
    key: 'burgerking_feed',
    merchant: 'mer_burgerking',
    name: 'Burger King group deal',
    placements: ['HOME_FEED'],
    targetType: 'GroupBuyCampaign',
    targetId: 'gbc_burgerking_1',
    bidding: 'CPM',
    bidFen: 3000,
    dailyBudgetFen: 5000,
    totalBudgetFen: 200_000,
    cities: ['Shanghai'],
    perDay: { impressions: 60, clicks: 2 },
  },
  {
    key: 'newhope_pay',
    merchant: 'mer_newhope',
    name: 'New Hope after you pay',
    placements: ['PAYMENT_SUCCESS'],
    targetType: 'CouponTemplate',
    targetId: FIXED.newhopeCouponTemplate,
    bidding: 'CPC',
    bidFen: 30,
    dailyBudgetFen: 3000,
    totalBudgetFen: 90_000,
    perDay: { impressions: 25, clicks: 2 },
  },
  {
    key: 'muji_circle',
    merchant: 'mer_muji',
    name: 'Muji in the circle',
    placements: ['CONSUMPTION_CIRCLE'],
    targetType: 'LifeAccount',
    targetId: 'la_muji',
    bidding: 'CPM',
    bidFen: 2000,
    dailyBudgetFen: 2000,
    totalBudgetFen: null,
    leftFen: 5,
    perDay: { impressions: 30, clicks: 1 },
  },
  {
    key: 'luckin_search',
    merchant: 'mer_luckin',
    name: 'Luckin coffee search',
    placements: ['SEARCH', 'LIFE_CHANNEL'],
    targetType: 'MiniProgram',
    targetId: 'mp_luckin',
    bidding: 'CPC',
    bidFen: 40,
    dailyBudgetFen: 8000,
    totalBudgetFen: 100_000,
    keywords: ['coffee', 'luckin', '瑞幸', '咖啡'],
    perDay: { impressions: 30, clicks: 3 },
  },
  {
    key: 'zhouheiya_feed',
    merchant: 'mer_zhouheiya',
    name: 'Zhou Hei Ya duck neck',
    placements: ['HOME_FEED'],
    targetType: 'CouponTemplate',
    targetId: 'cpt_zhouheiya_1',
    bidding: 'CPC',
    bidFen: 100,
    dailyBudgetFen: 1000,
    totalBudgetFen: null,
    leftFen: 0,
    radiusMeters: 5000,
    perDay: { impressions: 20, clicks: 2 },
  },
];

const HISTORY_DAYS = 7;

/** The Lights rows of the seed world: campaigns, their impressions, clicks and daily spend, and one conversion. */
export function buildLights({ at }: SeedContext, crowd: string[]) {
  const promotionCampaigns: Campaign[] = [];
  const promotionImpressions: Row<typeof tables.promotionImpressions>[] = [];
  const promotionClicks: Row<typeof tables.promotionClicks>[] = [];
  const promotionDailySpend: Row<typeof tables.promotionDailySpend>[] = [];
  const promotionConversions: Row<typeof tables.promotionConversions>[] = [];
  for (const [p, plan] of PLANS.entries()) {
    const id = `prc_${plan.key}`;
    let spent = 0;
    for (let d = HISTORY_DAYS; d >= 1; d--) {
      let daySpent = 0;
      const { impressions, clicks } = plan.perDay;
      for (let i = 0; i < impressions; i++) {
        // Noon-ish Shanghai time, a minute apart; each viewer sees a campaign once a day (under the cap).
        const occurredAt = at(-d, 4 + i / 60);
        const tokenId = `slt_seed_${plan.key}_${d}_${i}`;
        const viewer = crowd[(p * 97 + d * impressions + i) % crowd.length] as string;
        const impressionCost = plan.bidding === 'CPM' ? plan.bidFen : 0;
        promotionImpressions.push({
          tokenId,
          campaignId: id,
          placement: plan.placements[i % plan.placements.length] as Placement,
          viewer,
          day: shanghaiDay(occurredAt),
          chargedMilliFen: impressionCost,
          occurredAt,
        });
        daySpent += impressionCost;
        if (i < clicks) {
          const clickCost = plan.bidding === 'CPC' ? plan.bidFen * 1000 : 0;
          promotionClicks.push({
            tokenId,
            campaignId: id,
            userId: viewer,
            day: shanghaiDay(occurredAt),
            chargedMilliFen: clickCost,
            occurredAt: new Date(occurredAt.getTime() + 5000),
          });
          daySpent += clickCost;
        }
      }
      promotionDailySpend.push({
        campaignId: id,
        day: shanghaiDay(at(-d, 4)),
        merchantId: plan.merchant,
        spentMilliFen: daySpent,
        impressions,
        clicks,
      });
      spent += daySpent;
    }
    const totalBudgetFen = plan.totalBudgetFen ?? Math.ceil(spent / 1000) + (plan.leftFen ?? 0);
    promotionCampaigns.push({
      id,
      merchantId: plan.merchant,
      name: plan.name,
      placements: plan.placements,
      targetType: plan.targetType,
      targetId: plan.targetId,
      bidding: plan.bidding,
      bidFen: plan.bidFen,
      dailyBudgetFen: Math.min(plan.dailyBudgetFen, totalBudgetFen),
      totalBudgetFen,
      startsAt: at(-HISTORY_DAYS - 1),
      endsAt: at(FAR_FUTURE_DAYS),
      targetCities: plan.cities ?? [],
      radiusMeters: plan.radiusMeters ?? null,
      keywords: plan.keywords ?? [],
      spentMilliFen: spent,
      pausedAt: null,
      createdAt: at(-HISTORY_DAYS - 2),
    });
  }
  // alice clicked KFC's feed campaign an hour before she claimed the KFC coupon (cpn_000001, two days back).
  const claimedAt = at(-2);
  const tokenId = 'slt_seed_alice_kfc';
  const clickedAt = new Date(claimedAt.getTime() - 3_600_000);
  const { alice } = FIXED.users;
  promotionImpressions.push({
    tokenId,
    campaignId: 'prc_kfc_feed',
    placement: 'HOME_FEED',
    viewer: alice,
    day: shanghaiDay(clickedAt),
    chargedMilliFen: 0,
    occurredAt: clickedAt,
  });
  promotionClicks.push({
    tokenId,
    campaignId: 'prc_kfc_feed',
    userId: alice,
    day: shanghaiDay(clickedAt),
    chargedMilliFen: 50_000,
    occurredAt: clickedAt,
  });
  const kfc = promotionCampaigns[0] as Campaign;
  kfc.spentMilliFen = (kfc.spentMilliFen ?? 0) + 50_000;
  const daily = promotionDailySpend.find((r) => r.campaignId === kfc.id && r.day === shanghaiDay(clickedAt));
  if (!daily) throw new Error('seed world: no KFC spend on the day of alice’s click');
  daily.spentMilliFen += 50_000;
  daily.impressions += 1;
  daily.clicks += 1;
  promotionConversions.push({
    id: 'cnv_coupon_cpn_000001',
    campaignId: kfc.id,
    clickTokenId: tokenId,
    userId: alice,
    sourceKind: 'coupon',
    sourceId: 'cpn_000001',
    occurredAt: claimedAt,
  });
  return { promotionCampaigns, promotionImpressions, promotionClicks, promotionDailySpend, promotionConversions };
}
