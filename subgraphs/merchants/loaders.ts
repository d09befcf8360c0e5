import { asc, inArray } from 'drizzle-orm';
import { selectChildPage } from '../shared/child-page-query.ts';
import { byIdLoader, childPageLoader, groupLoader } from '../shared/connection.ts';
import type { Clock } from '../shared/context.ts';
import type { MerchantsDb } from './context.ts';
import { categories, merchants, miniPrograms, serviceProviders, stores } from './tables.ts';

/** A fresh set of DataLoaders for one request: one SQL statement per batch, whatever the list lengths. */
export function createLoaders(db: MerchantsDb, _clock: Clock) {
  return {
    merchantById: byIdLoader((ids) =>
      db
        .select()
        .from(merchants)
        .where(inArray(merchants.id, [...ids]))
        .all(),
    ),
    storeById: byIdLoader((ids) =>
      db
        .select()
        .from(stores)
        .where(inArray(stores.id, [...ids]))
        .all(),
    ),
    categoryById: byIdLoader((ids) =>
      db
        .select()
        .from(categories)
        .where(inArray(categories.id, [...ids]))
        .all(),
    ),
    serviceProviderById: byIdLoader((ids) =>
      db
        .select()
        .from(serviceProviders)
        .where(inArray(serviceProviders.id, [...ids]))
        .all(),
    ),
    miniProgramById: byIdLoader((ids) =>
      db
        .select()
        .from(miniPrograms)
        .where(inArray(miniPrograms.id, [...ids]))
        .all(),
    ),
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
