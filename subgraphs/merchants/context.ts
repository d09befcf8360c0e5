import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SubgraphContext } from '../shared/context.ts';
import type { Loaders } from './loaders.ts';
import type * as tables from './tables.ts';

/** The merchants subgraph's drizzle database. */
export type MerchantsDb = BetterSQLite3Database<typeof tables>;

/** What every merchants resolver receives. */
export type MerchantsContext = SubgraphContext<MerchantsDb, Loaders>;

export type CategoryRow = typeof tables.categories.$inferSelect;
export type ServiceProviderRow = typeof tables.serviceProviders.$inferSelect;
export type MerchantRow = typeof tables.merchants.$inferSelect;
export type StoreRow = typeof tables.stores.$inferSelect;
export type MiniProgramRow = typeof tables.miniPrograms.$inferSelect;

/** An entity reference from the gateway. */
export interface Ref {
  id: string;
}
