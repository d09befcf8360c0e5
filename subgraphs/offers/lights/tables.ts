import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { timestampMs } from '../../shared/columns.ts';

/** Where a campaign may be shown (the SDL's PromotionPlacement). */
export type Placement = 'HOME_FEED' | 'LIFE_CHANNEL' | 'SEARCH' | 'PAYMENT_SUCCESS' | 'CONSUMPTION_CIRCLE';
/** What a campaign points at (the SDL's PromotionTarget members). */
export type TargetType = 'Post' | 'CouponTemplate' | 'GroupBuyCampaign' | 'MiniProgram' | 'LifeAccount';

/**
 * A Lights campaign: a merchant's paid promotion of one target on some placements. Money is integer fen except
 * `spent_milli_fen` (thousandths of a fen), because a CPM price of X fen per thousand impressions costs X milli-fen
 * per impression and must add up exactly. The checks make the database itself refuse a spend beyond the budget.
 */
export const promotionCampaigns = sqliteTable(
  'promotion_campaigns',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    name: text('name').notNull(),
    /** JSON array of PromotionPlacement values. */
    placements: text('placements', { mode: 'json' }).$type<Placement[]>().notNull(),
    targetType: text('target_type').$type<TargetType>().notNull(),
    targetId: text('target_id').notNull(),
    bidding: text('bidding').$type<'CPC' | 'CPM'>().notNull(),
    bidFen: integer('bid_fen').notNull(),
    dailyBudgetFen: integer('daily_budget_fen').notNull(),
    totalBudgetFen: integer('total_budget_fen').notNull(),
    startsAt: timestampMs('starts_at').notNull(),
    endsAt: timestampMs('ends_at').notNull(),
    /** JSON array of city names; empty: every city. */
    targetCities: text('target_cities', { mode: 'json' }).$type<string[]>().notNull(),
    /** Distance from one of the merchant's stores a viewer must be within; null: no distance targeting. */
    radiusMeters: integer('radius_meters'),
    /** JSON array of lower-case search keywords (SEARCH placement). */
    keywords: text('keywords', { mode: 'json' }).$type<string[]>().notNull(),
    spentMilliFen: integer('spent_milli_fen').notNull().default(0),
    /** When the merchant paused it; null while it runs. */
    pausedAt: timestampMs('paused_at'),
    createdAt: timestampMs('created_at').notNull(),
  },
  (t) => [
    index('promotion_campaigns_merchant_idx').on(t.merchantId, t.createdAt),
    index('promotion_campaigns_schedule_idx').on(t.endsAt, t.startsAt),
    check('promotion_campaigns_bidding_check', sql`${t.bidding} in ('CPC', 'CPM')`),
    check('promotion_campaigns_bid_check', sql`${t.bidFen} >= 1`),
    check(
      'promotion_campaigns_budget_check',
      sql`${t.dailyBudgetFen} >= 1 and ${t.totalBudgetFen} >= ${t.dailyBudgetFen}`,
    ),
    check(
      'promotion_campaigns_spent_check',
      sql`${t.spentMilliFen} >= 0 and ${t.spentMilliFen} <= ${t.totalBudgetFen} * 1000`,
    ),
  ],
);

/**
 * One served slot's impression, keyed by its token id so a token counts once. `charged_milli_fen` is what it cost
 * (a CPM price; 0 under CPC). `viewer` and `day` serve the frequency cap.
 */
export const promotionImpressions = sqliteTable(
  'promotion_impressions',
  {
    tokenId: text('token_id').primaryKey(),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => promotionCampaigns.id),
    placement: text('placement').$type<Placement>().notNull(),
    viewer: text('viewer').notNull(),
    day: text('day').notNull(),
    chargedMilliFen: integer('charged_milli_fen').notNull(),
    occurredAt: timestampMs('occurred_at').notNull(),
  },
  (t) => [
    index('promotion_impressions_cap_idx').on(t.campaignId, t.viewer, t.day),
    index('promotion_impressions_campaign_idx').on(t.campaignId, t.occurredAt),
    check('promotion_impressions_charge_check', sql`${t.chargedMilliFen} >= 0`),
  ],
);

/** One click on a slot whose impression was recorded: one per token (the primary key refuses a replay). */
export const promotionClicks = sqliteTable(
  'promotion_clicks',
  {
    tokenId: text('token_id')
      .primaryKey()
      .references(() => promotionImpressions.tokenId),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => promotionCampaigns.id),
    /** The signed-in user who clicked (null: anonymous), for attribution. */
    userId: text('user_id'),
    day: text('day').notNull(),
    chargedMilliFen: integer('charged_milli_fen').notNull(),
    occurredAt: timestampMs('occurred_at').notNull(),
  },
  (t) => [
    index('promotion_clicks_campaign_idx').on(t.campaignId, t.occurredAt),
    index('promotion_clicks_user_idx').on(t.userId, t.occurredAt),
    check('promotion_clicks_charge_check', sql`${t.chargedMilliFen} >= 0`),
  ],
);

/**
 * A campaign's spend, impressions and clicks on one Asia/Shanghai calendar day: the row the charge's guarded update
 * checks so the daily budget is never exceeded. It is also the platform's Lights revenue, kept beside commissions
 * (`spent_milli_fen` per merchant and day).
 */
export const promotionDailySpend = sqliteTable(
  'promotion_daily_spend',
  {
    campaignId: text('campaign_id')
      .notNull()
      .references(() => promotionCampaigns.id),
    day: text('day').notNull(),
    merchantId: text('merchant_id').notNull(),
    spentMilliFen: integer('spent_milli_fen').notNull(),
    impressions: integer('impressions').notNull(),
    clicks: integer('clicks').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.day] }),
    index('promotion_daily_spend_day_idx').on(t.day),
    check('promotion_daily_spend_spent_check', sql`${t.spentMilliFen} >= 0`),
  ],
);

/** A signed-in user's claim or group join within 24 h of their click on the campaign (the last click wins). */
export const promotionConversions = sqliteTable(
  'promotion_conversions',
  {
    id: text('id').primaryKey(),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => promotionCampaigns.id),
    clickTokenId: text('click_token_id')
      .notNull()
      .references(() => promotionClicks.tokenId),
    userId: text('user_id').notNull(),
    /** `coupon` (a claimed coupon's id) or `group_member` (groupId:userId). */
    sourceKind: text('source_kind').$type<'coupon' | 'group_member'>().notNull(),
    sourceId: text('source_id').notNull(),
    occurredAt: timestampMs('occurred_at').notNull(),
  },
  (t) => [
    uniqueIndex('promotion_conversions_source_idx').on(t.sourceKind, t.sourceId),
    index('promotion_conversions_campaign_idx').on(t.campaignId, t.occurredAt),
  ],
);
