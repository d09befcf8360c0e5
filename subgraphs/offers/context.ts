import type { UserError } from '../contract/errors.ts';
import type { SubgraphContext } from '../shared/context.ts';
import type { DatabaseOf, TransactionOf } from '../shared/server.ts';
import type { LiveStream, Merchant, User } from './__generated__/resolvers-types.ts';
import type { RecordResult } from './lights/charge.ts';
import type * as lights from './lights/rows.ts';
import type { Loaders } from './loaders.ts';
import type * as tables from './tables.ts';

/** The offers subgraph's drizzle database. */
export type OffersDb = DatabaseOf<typeof tables>;

/** The handle a rule works with inside `db.transaction(...)`. */
export type OffersTx = TransactionOf<typeof tables>;

/** What every offers resolver receives. */
export type OffersContext = SubgraphContext<OffersDb, Loaders>;

// What each GraphQL type resolves from (`<Type>Row`, the codegen mappers): the table's row.
export type CouponTemplateRow = typeof tables.couponTemplates.$inferSelect;
export type CouponRow = typeof tables.coupons.$inferSelect;
export type GroupBuyCampaignRow = typeof tables.groupBuyCampaigns.$inferSelect;
export type GroupBuyGroupRow = typeof tables.groupBuyGroups.$inferSelect;
export type GroupBuyMemberRow = typeof tables.groupBuyMembers.$inferSelect;
export type CommissionRow = typeof tables.commissions.$inferSelect;
export type SettlementRow = typeof tables.settlements.$inferSelect;

// Lights: a campaign is its row; a slot, a report and a payment-success page are what the rules build.
export type PromotionCampaignRow = lights.PromotionCampaignRow;
export type PromotionSlotRow = lights.PromotionSlotRow;
export type PromotionReportRow = lights.ReportRow;
/** Targeting as the campaign row stores it. */
export type PromotionTargetingRow = Pick<lights.PromotionCampaignRow, 'targetCities' | 'radiusMeters' | 'keywords'>;
/** The payment-success page of one store. */
export interface PaymentSuccessPageRow {
  storeId: string;
}
/** A recorded (or refused) impression or click. */
export type RecordPromotionPayloadRow = Omit<RecordResult, 'campaign'>;
/** Other subgraphs' entities, as promotion targets: their key. */
export type PostRow = { id: string };
export type MiniProgramRow = { id: string };
export type LifeAccountRow = { id: string };

// Entities other subgraphs own resolve from their key, as a reference carries it; the gateway fetches the rest.
export type MerchantRow = Pick<Merchant, 'id'>;
export type UserRow = Pick<User, 'id'>;
/** A live stream's key, with the offers it features (content's, via `@requires`) whenever `sales` is asked for. */
export type LiveStreamRow = Pick<LiveStream, 'id'> & Partial<Pick<LiveStream, 'featuredOfferIds'>>;

/** A redemption as the rule returns it: the amounts in fen (the payload shows them as Money). */
export interface RedeemCouponPayloadRow {
  coupon: CouponRow | null;
  discountFen: number | null;
  payableFen: number | null;
  commission: CommissionRow | null;
  userErrors: UserError[];
}
