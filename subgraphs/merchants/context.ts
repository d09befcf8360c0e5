import type { SubgraphContext } from '../shared/context.ts';
import type { DatabaseOf, TransactionOf } from '../shared/server.ts';
import type { Loaders } from './loaders.ts';
import type * as tables from './tables.ts';

/** The merchants subgraph's drizzle database. */
export type MerchantsDb = DatabaseOf<typeof tables>;

/** The handle a rule works with inside `db.transaction(...)`. */
export type MerchantsTx = TransactionOf<typeof tables>;

/** What every merchants resolver receives. */
export type MerchantsContext = SubgraphContext<MerchantsDb, Loaders>;

// What each GraphQL type resolves from (`<Type>Row`, the codegen mappers): the table's row.
export type CategoryRow = typeof tables.categories.$inferSelect;
export type ServiceProviderRow = typeof tables.serviceProviders.$inferSelect;
export type MerchantRow = typeof tables.merchants.$inferSelect;
/** A store; one found by `storesNear` also carries its distance from the search point. */
export type StoreRow = typeof tables.stores.$inferSelect & { distanceMeters?: number };
export type MiniProgramRow = typeof tables.miniPrograms.$inferSelect;
