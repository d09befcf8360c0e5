import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SubgraphContext } from '../shared/context.ts';
import type { Loaders } from './loaders.ts';
import type * as tables from './tables.ts';

/** The offers subgraph's drizzle database. */
export type OffersDb = BetterSQLite3Database<typeof tables>;

/** What every offers resolver receives. */
export type OffersContext = SubgraphContext<OffersDb, Loaders>;

export type CouponTemplateRow = typeof tables.couponTemplates.$inferSelect;
export type CouponRow = typeof tables.coupons.$inferSelect;
export type GroupBuyCampaignRow = typeof tables.groupBuyCampaigns.$inferSelect;
export type GroupBuyGroupRow = typeof tables.groupBuyGroups.$inferSelect;
export type GroupBuyMemberRow = typeof tables.groupBuyMembers.$inferSelect;
export type CommissionRow = typeof tables.commissions.$inferSelect;
export type SettlementRow = typeof tables.settlements.$inferSelect;

/** The handle a rule works with inside `db.transaction(...)`. */
export type OffersTx = Parameters<Parameters<OffersDb['transaction']>[0]>[0];

/** A reference to an entity: what `__resolveReference` receives and what stubs return. */
export interface Ref {
  id: string;
}
