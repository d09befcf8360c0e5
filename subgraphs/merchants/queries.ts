import { and, asc, between, eq, getTableColumns, inArray, isNull, sql } from 'drizzle-orm';
import { badUserInput } from '../contract/errors.ts';
import { type Page, selectPage } from '../shared/connection.ts';
import { boundingBox, type GeoPoint, invalidPoint } from '../shared/geo.ts';
import type { MerchantsDb, StoreRow } from './context.ts';
import { categories, merchants, stores } from './tables.ts';

export const MAX_RADIUS_METERS = 50_000;

/** A store found by `storesNear`, with its distance from the search point. */
export type StoreWithDistance = StoreRow & { distanceMeters: number };

/** Merchants ordered by id, optionally of one category code; `page.limit + 1` rows so the caller knows if more follow. */
export function listMerchants(db: MerchantsDb, categoryCode: string | null | undefined, page: Page) {
  const inCategory =
    categoryCode == null
      ? undefined
      : inArray(
          merchants.categoryId,
          db.select({ id: categories.id }).from(categories).where(eq(categories.code, categoryCode)),
        );
  return selectPage(db, merchants, { where: inCategory, orderBy: [asc(merchants.id)] }, page);
}

/**
 * Open stores within `radiusMeters` of `location`, nearest first, ties by id; `page.limit + 1` rows. A bounding box on the
 * indexed lat/lng narrows the candidates before the exact distance is computed.
 */
export function findStoresNear(
  db: MerchantsDb,
  location: GeoPoint,
  radiusMeters: number,
  page: Page,
): StoreWithDistance[] {
  const problem = invalidPoint(location);
  if (problem) throw badUserInput(`location: ${problem}.`, 'location');
  if (!Number.isInteger(radiusMeters) || radiusMeters < 1 || radiusMeters > MAX_RADIUS_METERS) {
    throw badUserInput(`radiusMeters must be between 1 and ${MAX_RADIUS_METERS}, got ${radiusMeters}.`, 'radiusMeters');
  }
  const box = boundingBox(location, radiusMeters);
  // A box that crosses the antimeridian cannot be expressed as one lng range; filter on latitude only then.
  const lngFilter = box.minLng < -180 || box.maxLng > 180 ? undefined : between(stores.lng, box.minLng, box.maxLng);
  const distance = sql<number>`distance_meters(${stores.lat}, ${stores.lng}, ${location.lat}, ${location.lng})`;
  return db
    .select({ ...getTableColumns(stores), distanceMeters: distance.as('distance_m') })
    .from(stores)
    .where(
      and(
        between(stores.lat, box.minLat, box.maxLat),
        lngFilter,
        isNull(stores.closedAt),
        sql`${distance} <= ${radiusMeters}`,
      ),
    )
    .orderBy(sql`distance_m`, asc(stores.id))
    .limit(page.limit + 1)
    .offset(page.offset)
    .all();
}

/** Every category, ordered by name. */
export function listCategories(db: MerchantsDb) {
  return db.select().from(categories).orderBy(asc(categories.name), asc(categories.id)).all();
}
