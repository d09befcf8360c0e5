import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { timestampMs } from '../shared/columns.ts';
import { eventCursorsTable } from '../shared/events/cursors.ts';
import { outboxEventsTable } from '../shared/events/outbox.ts';
import { idempotencyKeysTable } from '../shared/idempotency.ts';
import type {
  CommissionKind,
  CouponKind,
  CouponStatus,
  GroupBuyGroupStatus,
  SettlementKind,
} from './__generated__/resolvers-types.ts';

/** What a merchant offers to claim; `remaining_stock` is decremented conditionally so it never goes below zero. */
export const couponTemplates = sqliteTable(
  'coupon_templates',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    title: text('title').notNull(),
    kind: text('kind').$type<CouponKind>().notNull(),
    faceValueFen: integer('face_value_fen'),
    percentOff: integer('percent_off'),
    capFen: integer('cap_fen'),
    minSpendFen: integer('min_spend_fen').notNull(),
    totalStock: integer('total_stock').notNull(),
    remainingStock: integer('remaining_stock').notNull(),
    perUserLimit: integer('per_user_limit').notNull(),
    claimStartsAt: timestampMs('claim_starts_at').notNull(),
    claimEndsAt: timestampMs('claim_ends_at').notNull(),
    validDays: integer('valid_days').notNull(),
    createdAt: timestampMs('created_at').notNull(),
  },
  (t) => [
    index('coupon_templates_merchant_idx').on(t.merchantId, t.createdAt),
    check(
      'coupon_templates_remaining_stock_check',
      sql`${t.remainingStock} >= 0 and ${t.remainingStock} <= ${t.totalStock}`,
    ),
    check('coupon_templates_per_user_limit_check', sql`${t.perUserLimit} >= 1`),
    check(
      'coupon_templates_kind_check',
      sql`(${t.kind} = 'FIXED_AMOUNT' and ${t.faceValueFen} > 0 and ${t.percentOff} is null)
        or (${t.kind} = 'PERCENT_OFF' and ${t.percentOff} between 1 and 99 and ${t.faceValueFen} is null)`,
    ),
  ],
);

/** A user's claimed coupon; the redemption columns are filled when a store redeems it. */
export const coupons = sqliteTable(
  'coupons',
  {
    id: text('id').primaryKey(),
    templateId: text('template_id')
      .notNull()
      .references(() => couponTemplates.id),
    userId: text('user_id').notNull(),
    status: text('status').$type<CouponStatus>().notNull(),
    claimedAt: timestampMs('claimed_at').notNull(),
    expiresAt: timestampMs('expires_at').notNull(),
    redeemedAt: timestampMs('redeemed_at'),
    redeemedStoreId: text('redeemed_store_id'),
    orderAmountFen: integer('order_amount_fen'),
    discountFen: integer('discount_fen'),
    payableFen: integer('payable_fen'),
    liveStreamId: text('live_stream_id'),
  },
  (t) => [
    index('coupons_user_idx').on(t.userId, t.claimedAt),
    index('coupons_template_user_idx').on(t.templateId, t.userId),
    index('coupons_live_stream_idx').on(t.liveStreamId),
    index('coupons_status_expires_idx').on(t.status, t.expiresAt),
  ],
);

/** A group-buy deal: `group_size` people together pay `group_price_fen` each. */
export const groupBuyCampaigns = sqliteTable(
  'group_buy_campaigns',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    title: text('title').notNull(),
    groupSize: integer('group_size').notNull(),
    groupPriceFen: integer('group_price_fen').notNull(),
    originalPriceFen: integer('original_price_fen').notNull(),
    fillWithinMinutes: integer('fill_within_minutes').notNull(),
    startsAt: timestampMs('starts_at').notNull(),
    endsAt: timestampMs('ends_at').notNull(),
    createdAt: timestampMs('created_at').notNull(),
  },
  (t) => [
    index('group_buy_campaigns_merchant_idx').on(t.merchantId, t.createdAt),
    check('group_buy_campaigns_group_size_check', sql`${t.groupSize} >= 2`),
  ],
);

/**
 * One group forming under a campaign. `group_size` is copied from the campaign so the database itself
 * refuses a group that would take more members than its size.
 */
export const groupBuyGroups = sqliteTable(
  'group_buy_groups',
  {
    id: text('id').primaryKey(),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => groupBuyCampaigns.id),
    leaderId: text('leader_id').notNull(),
    status: text('status').$type<GroupBuyGroupStatus>().notNull(),
    groupSize: integer('group_size').notNull(),
    memberCount: integer('member_count').notNull(),
    createdAt: timestampMs('created_at').notNull(),
    expiresAt: timestampMs('expires_at').notNull(),
    succeededAt: timestampMs('succeeded_at'),
    failedAt: timestampMs('failed_at'),
  },
  (t) => [
    index('group_buy_groups_campaign_idx').on(t.campaignId, t.status, t.createdAt),
    index('group_buy_groups_status_expires_idx').on(t.status, t.expiresAt),
    index('group_buy_groups_leader_idx').on(t.leaderId),
    check('group_buy_groups_member_count_check', sql`${t.memberCount} >= 0 and ${t.memberCount} <= ${t.groupSize}`),
  ],
);

/** A member of a group, in join order (`position` 1 is the leader). */
export const groupBuyMembers = sqliteTable(
  'group_buy_members',
  {
    groupId: text('group_id')
      .notNull()
      .references(() => groupBuyGroups.id),
    userId: text('user_id').notNull(),
    position: integer('position').notNull(),
    paidFen: integer('paid_fen').notNull(),
    joinedAt: timestampMs('joined_at').notNull(),
    refundedAt: timestampMs('refunded_at'),
  },
  (t) => [
    primaryKey({ columns: [t.groupId, t.userId] }),
    uniqueIndex('group_buy_members_position_idx').on(t.groupId, t.position),
    index('group_buy_members_user_idx').on(t.userId),
  ],
);

/** Money settled to a merchant, once per source (a redeemed coupon or a succeeded group member). */
export const settlements = sqliteTable(
  'settlements',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    sourceKind: text('source_kind').$type<SettlementKind>().notNull(),
    sourceId: text('source_id').notNull(),
    amountFen: integer('amount_fen').notNull(),
    liveStreamId: text('live_stream_id'),
    createdAt: timestampMs('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('settlements_source_idx').on(t.sourceKind, t.sourceId),
    index('settlements_merchant_idx').on(t.merchantId, t.createdAt),
    index('settlements_live_stream_idx').on(t.liveStreamId),
    check('settlements_amount_check', sql`${t.amountFen} >= 0`),
  ],
);

/** The platform's cut (or a promoter's rebate) of one settlement. */
export const commissions = sqliteTable(
  'commissions',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    settlementId: text('settlement_id')
      .notNull()
      .references(() => settlements.id),
    kind: text('kind').$type<CommissionKind>().notNull(),
    rateBps: integer('rate_bps').notNull(),
    baseAmountFen: integer('base_amount_fen').notNull(),
    amountFen: integer('amount_fen').notNull(),
    createdAt: timestampMs('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('commissions_settlement_kind_idx').on(t.settlementId, t.kind),
    index('commissions_merchant_idx').on(t.merchantId, t.createdAt),
  ],
);

/** The first response to a (caller, key) pair, replayed when the same request is repeated. */
export const idempotencyKeys = idempotencyKeysTable();

/** Merchant facts the rules need without calling the merchants subgraph (seeded from the world). */
export const merchantTerms = sqliteTable('merchant_terms', {
  merchantId: text('merchant_id').primaryKey(),
  settlementRateBps: integer('settlement_rate_bps').notNull(),
  /** When the merchant joined the consumption circle (merchants' events); null: not a member. */
  joinedCircleAt: timestampMs('joined_circle_at'),
});

/**
 * Which merchant a store belongs to, so a redemption at a store settles to the right merchant; where it is, for
 * Lights' radius targeting and the payment-success page's nearby coupons.
 */
export const storeMerchants = sqliteTable(
  'store_merchants',
  {
    storeId: text('store_id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    city: text('city'),
    lat: real('lat'),
    lng: real('lng'),
  },
  (t) => [index('store_merchants_merchant_idx').on(t.merchantId), index('store_merchants_lat_idx').on(t.lat, t.lng)],
);

/** Events this subgraph publishes, written in the transaction of the change (shared/events/outbox.ts). */
export const outboxEvents = outboxEventsTable();

/** Per publisher, the last event applied to this subgraph's projections (shared/events/cursors.ts). */
export const eventCursors = eventCursorsTable();

// Lights, the paid promotion platform: its tables live with its rules in lights/.
export * from './lights/tables.ts';
// --- Search: the index tables (subgraphs/offers/search/tables.ts) ---
export { searchDocuments, searchWords } from './search/tables.ts';
