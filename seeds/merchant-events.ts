import { applyEvents, type Projection } from '../subgraphs/shared/events/projection.ts';
import type { DeliveredEvent } from '../subgraphs/shared/events/types.ts';
import { EVENT_VERSIONS } from '../subgraphs/shared/events/types.ts';
import type { SyncSqlite } from '../subgraphs/shared/idempotency.ts';
import { SEED_EPOCH, type World } from './world.ts';

/**
 * The merchants events of the seed world: `merchant.created` for each merchant, then `store.created` for each store,
 * at positions 1..n with deterministic event ids (`evt_seed_<n>`), so seeding twice gives the same outbox. The
 * merchants seed writes them to its outbox, and each consumer's seed applies them to its projection (with its
 * cursor at n), so the seeded projections are exactly what delivering this history produces, and a rebuild of them
 * gives the same rows.
 */
export function seedMerchantEvents(world: Pick<World, 'merchants' | 'stores'>): DeliveredEvent[] {
  const events: Omit<DeliveredEvent, 'position' | 'eventId'>[] = [
    ...world.merchants.map((m) => ({
      publisher: 'merchants' as const,
      type: 'merchant.created' as const,
      entityId: m.id,
      version: EVENT_VERSIONS['merchant.created'],
      occurredAt: m.createdAt.toISOString(),
      payload: {
        merchantId: m.id,
        name: m.name,
        categoryId: m.categoryId,
        status: m.status,
        settlementRateBps: m.settlementRateBps,
        serviceProviderId: m.serviceProviderId ?? null,
        city: m.city,
        joinedCircleAt: m.joinedCircleAt?.toISOString() ?? null,
      },
    })),
    ...world.stores.map((s) => ({
      publisher: 'merchants' as const,
      type: 'store.created' as const,
      entityId: s.id,
      version: EVENT_VERSIONS['store.created'],
      occurredAt: SEED_EPOCH.toISOString(),
      payload: {
        storeId: s.id,
        merchantId: s.merchantId,
        name: s.name,
        address: s.address,
        city: s.city,
        lat: s.lat,
        lng: s.lng,
        openingHours: s.openingHours,
      },
    })),
  ];
  return events.map((e, i) => ({ ...e, position: i + 1, eventId: `evt_seed_${String(i + 1).padStart(8, '0')}` }));
}

/** The outbox rows of `seedMerchantEvents`, for the merchants seed. */
export function seedOutboxRows(world: Pick<World, 'merchants' | 'stores'>) {
  return seedMerchantEvents(world).map((e) => ({
    id: e.position,
    eventId: e.eventId,
    type: e.type,
    entityId: e.entityId,
    version: e.version,
    payload: JSON.stringify(e.payload),
    occurredAt: new Date(e.occurredAt),
  }));
}

/** Applies the seed world's merchants events to a consumer's projection (and cursor), in the seed's transaction. */
export function applySeedMerchantEvents(tx: SyncSqlite, projection: Projection, world: World): void {
  const handler = projection.sources.merchants;
  if (handler) applyEvents(tx, 'merchants', handler, seedMerchantEvents(world));
}
