import { asc, inArray } from 'drizzle-orm';
import { selectChildPage } from '../shared/child-page-query.ts';
import { childPageLoader, groupLoader, rowByIdLoader } from '../shared/connection.ts';
import type { Clock } from '../shared/context.ts';
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
    storesByMerchantId: childPageLoader(
      (parentIds, offset, limit) =>
        selectChildPage(db, {
          table: stores,
          parentColumn: stores.merchantId,
          orderBy: asc(stores.id),
          parentIds,
          offset,
          limit,
        }),
      (row) => row.merchantId,
    ),
    miniProgramsByMerchantId: groupLoader(
      (parentIds) =>
        db
          .select()
          .from(miniPrograms)
          .where(inArray(miniPrograms.merchantId, [...parentIds]))
          .orderBy(asc(miniPrograms.id))
          .all(),
      (row) => row.merchantId,
    ),
    merchantsByServiceProviderId: childPageLoader(
      (parentIds, offset, limit) =>
        selectChildPage(db, {
          table: merchants,
          parentColumn: merchants.serviceProviderId,
          orderBy: asc(merchants.id),
          parentIds,
          offset,
          limit,
        }),
      (row) => row.serviceProviderId ?? '',
    ),
  };
}

/** The loaders every merchants resolver reads through. */
export type Loaders = ReturnType<typeof createLoaders>;
