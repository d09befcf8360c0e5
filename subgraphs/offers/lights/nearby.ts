import { and, eq, gt, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import { boundingBox, distanceMeters } from '../../shared/geo.ts';
import type { CouponTemplateRow, OffersDb } from '../context.ts';
import { couponTemplates, merchantTerms, storeMerchants } from '../tables.ts';

/** How far from the store paid at a consumption-circle merchant's store may be for its coupons to show. */
export const NEARBY_METERS = 1000;

/** The store as offers knows it (merchants' events), or null when it is unknown or closed. */
export function storeLocation(db: OffersDb, storeId: string) {
  const s = db.select().from(storeMerchants).where(eq(storeMerchants.storeId, storeId)).get();
  return s && s.lat !== null && s.lng !== null ? { ...s, lat: s.lat, lng: s.lng } : null;
}

/**
 * Claimable coupon templates (claim window open, stock left) of consumption-circle merchants with a store within
 * 1 km of the store, nearest merchant first (by its nearest store), then newest template first. Two statements.
 */
export function nearbyCoupons(db: OffersDb, now: Date, storeId: string, first: number): CouponTemplateRow[] {
  const store = storeLocation(db, storeId);
  if (!store) return [];
  const box = boundingBox(store, NEARBY_METERS);
  const stores = db
    .select({ merchantId: storeMerchants.merchantId, lat: storeMerchants.lat, lng: storeMerchants.lng })
    .from(storeMerchants)
    .innerJoin(merchantTerms, eq(merchantTerms.merchantId, storeMerchants.merchantId))
    .where(
      and(
        isNotNull(merchantTerms.joinedCircleAt),
        lte(merchantTerms.joinedCircleAt, now),
        sql`${storeMerchants.lat} between ${box.minLat} and ${box.maxLat}`,
        sql`${storeMerchants.lng} between ${box.minLng} and ${box.maxLng}`,
      ),
    )
    .all();
  const distance = new Map<string, number>();
  for (const s of stores) {
    if (s.lat === null || s.lng === null) continue;
    const d = distanceMeters(store, { lat: s.lat, lng: s.lng });
    if (d <= NEARBY_METERS) distance.set(s.merchantId, Math.min(d, distance.get(s.merchantId) ?? d));
  }
  if (distance.size === 0) return [];
  const templates = db
    .select()
    .from(couponTemplates)
    .where(
      and(
        inArray(couponTemplates.merchantId, [...distance.keys()]),
        lte(couponTemplates.claimStartsAt, now),
        gt(couponTemplates.claimEndsAt, now),
        gt(couponTemplates.remainingStock, 0),
      ),
    )
    .all();
  const d = (t: CouponTemplateRow) => distance.get(t.merchantId) ?? 0;
  return templates
    .sort(
      (a, b) =>
        d(a) - d(b) || b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .slice(0, first);
}
