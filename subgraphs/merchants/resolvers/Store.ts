import type { MerchantsContext, Ref, StoreRow } from '../context.ts';
import type { StoreWithDistance } from '../queries.ts';

export const Store = {
  __resolveReference: (ref: Ref, ctx: MerchantsContext) => ctx.loaders.storeById.load(ref.id),
  location: (s: StoreRow) => ({ lat: s.lat, lng: s.lng }),
  merchant: (s: StoreRow, _: unknown, ctx: MerchantsContext) => ctx.loaders.merchantById.load(s.merchantId),
  // Only rows found by storesNear carry a distance; a store reached any other way has none.
  distanceMeters: (s: StoreRow | StoreWithDistance) => ('distanceMeters' in s ? s.distanceMeters : null),
};
