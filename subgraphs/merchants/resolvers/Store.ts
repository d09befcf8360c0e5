import { loadExisting } from '../../shared/connection.ts';
import type { StoreResolvers } from '../__generated__/resolvers-types.ts';

export const Store: StoreResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.storeById.load(ref.id),
  location: (s) => ({ lat: s.lat, lng: s.lng }),
  merchant: (s, _, ctx) => loadExisting(ctx.loaders.merchantById, s.merchantId, 'Merchant'),
  status: (s) => (s.closedAt ? 'CLOSED' : 'OPEN'),
  closedAt: (s) => s.closedAt,
  // Only rows found by storesNear carry a distance; a store reached any other way has none.
  distanceMeters: (s) => s.distanceMeters ?? null,
};
