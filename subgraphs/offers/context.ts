import type { UserError } from '../contract/errors.ts';
import type { SubgraphContext } from '../shared/context.ts';
import type { DatabaseOf, TransactionOf } from '../shared/server.ts';
import type { LiveStream, Merchant, User } from './__generated__/resolvers-types.ts';
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

// Entities other subgraphs own resolve from their key, as a reference carries it; the gateway fetches the rest.
export type MerchantRow = Pick<Merchant, 'id'>;
export type UserRow = Pick<User, 'id'>;
/** A live stream's key, with the offers it features (content's, via `@requires`) whenever `sales` is asked for. */
export type LiveStreamRow = Pick<LiveStream, 'id'> & Partial<Pick<LiveStream, 'featuredOfferIds'>>;

// --- Search ---
/** Lights: defined by the promotion platform; a placeholder with the slot's id until then. */
export interface PromotionSlotRow {
  id: string;
}
// --- end Search ---

/** A redemption as the rule returns it: the amounts in fen (the payload shows them as Money). */
export interface RedeemCouponPayloadRow {
  coupon: CouponRow | null;
  discountFen: number | null;
  payableFen: number | null;
  commission: CommissionRow | null;
  userErrors: UserError[];
}
