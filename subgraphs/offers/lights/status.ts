import type { PromotionCampaignRow } from './rows.ts';

export type CampaignStatus = 'SCHEDULED' | 'ACTIVE' | 'PAUSED' | 'EXHAUSTED' | 'ENDED';

/**
 * What one charge can cost at most, in milli-fen: the bid (a price never exceeds it), per click under CPC
 * (bid × 1000 milli-fen) or per impression under CPM (bid fen per thousand = bid milli-fen per impression).
 */
export function maxChargeMilliFen(c: Pick<PromotionCampaignRow, 'bidding' | 'bidFen'>): number {
  return c.bidding === 'CPC' ? c.bidFen * 1000 : c.bidFen;
}

/** Milli-fen the campaign may still spend in total, and today (given today's spend). */
export function remainingMilliFen(c: PromotionCampaignRow, todaySpentMilliFen: number) {
  return { total: c.totalBudgetFen * 1000 - c.spentMilliFen, today: c.dailyBudgetFen * 1000 - todaySpentMilliFen };
}

/**
 * The campaign's status at `now`. EXHAUSTED: what is left today or in total cannot pay its next price (at most the
 * bid); it serves again the next Asia/Shanghai day when only today's budget is spent, never when the total is.
 */
export function campaignStatus(c: PromotionCampaignRow, todaySpentMilliFen: number, now: Date): CampaignStatus {
  if (now >= c.endsAt) return 'ENDED';
  if (c.pausedAt) return 'PAUSED';
  if (now < c.startsAt) return 'SCHEDULED';
  const left = remainingMilliFen(c, todaySpentMilliFen);
  const charge = maxChargeMilliFen(c);
  return left.total < charge || left.today < charge ? 'EXHAUSTED' : 'ACTIVE';
}
