import { asc } from 'drizzle-orm';
import { childrenLoader, pagedChildrenLoader } from '../shared/child-page-query.ts';
import { rowByIdLoader } from '../shared/connection.ts';
import type { Clock } from '../shared/context.ts';
import type { Invalidations } from '../shared/invalidations.ts';
import type { MutationResolvers } from './__generated__/resolvers-types.ts';
import type { MerchantsDb } from './context.ts';
import { categories, merchants, miniPrograms, serviceProviders, stores } from './tables.ts';

/** A fresh set of DataLoaders for one request: one SQL statement per batch, whatever the list lengths. */
export function createLoaders(db: MerchantsDb, _clock: Clock) {
  return {
    merchantById: rowByIdLoader(db, merchants),
    storeById: rowByIdLoader(db, stores),
    categoryById: rowByIdLoader(db, categories),
    serviceProviderById: rowByIdLoader(db, serviceProviders),
    miniProgramById: rowByIdLoader(db, miniPrograms),
    storesByMerchantId: pagedChildrenLoader(db, {
      table: stores,
      parentColumn: stores.merchantId,
      orderBy: asc(stores.id),
    }),
    miniProgramsByMerchantId: childrenLoader(db, {
      table: miniPrograms,
      parentColumn: miniPrograms.merchantId,
      orderBy: asc(miniPrograms.id),
    }),
    merchantsByServiceProviderId: pagedChildrenLoader(db, {
      table: merchants,
      parentColumn: merchants.serviceProviderId,
      orderBy: asc(merchants.id),
    }),
  };
}

/** The loaders every merchants resolver reads through. */
export type Loaders = ReturnType<typeof createLoaders>;

/**
 * What each mutation makes stale: the row its payload shows, and the lists that row is in (a new store is in its
 * merchant's stores, a new mini program in its merchant's mini programs and eligibility).
 */
export const invalidations = {
  joinConsumptionCircle: ['merchantById'],
  createStore: ['storesByMerchantId'],
  updateStore: ['storeById', 'storesByMerchantId'],
  closeStore: ['storeById', 'storesByMerchantId'],
  publishMiniProgram: ['miniProgramsByMerchantId'],
  setSettlementRate: ['merchantById'],
} satisfies Invalidations<keyof MutationResolvers, Loaders>;
