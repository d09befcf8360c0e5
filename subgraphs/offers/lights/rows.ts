import type * as tables from './tables.ts';

/** A campaign as the resolvers and rules see it: its row. */
export type PromotionCampaignRow = typeof tables.promotionCampaigns.$inferSelect;

/** A served slot: its id (the token's), the campaign and the signed token. */
export interface PromotionSlotRow {
  id: string;
  campaign: PromotionCampaignRow;
  token: string;
}

/** A report's range, in ms since the epoch (null: open). */
export interface ReportKey {
  campaignId: string;
  from: number | null;
  to: number | null;
}

/** A campaign's figures over a range. */
export interface ReportRow {
  impressions: number;
  clicks: number;
  spendMilliFen: number;
  conversions: number;
}
