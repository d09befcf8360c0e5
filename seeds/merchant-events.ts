import { couponTemplateCreated, groupBuyCampaignCreated } from '../subgraphs/offers/rules/create-offers.ts';
import { applyEvents, type Projection } from '../subgraphs/shared/events/projection.ts';
import type { DeliveredEvent, EventPayloads, EventType, Publisher } from '../subgraphs/shared/events/types.ts';
import { EVENT_VERSIONS } from '../subgraphs/shared/events/types.ts';
import type { SyncSqlite } from '../subgraphs/shared/idempotency.ts';
import { SEED_EPOCH, type World } from './world.ts';

/** An event of the seed's history before its position and id are given. */
type SeedEvent = Omit<DeliveredEvent, 'position' | 'eventId'>;

function seedEvent<T extends EventType>(
  publisher: Publisher,
  type: T,
  entityId: string,
  occurredAt: Date,
  payload: EventPayloads[T],
): SeedEvent {
  return { publisher, type, entityId, version: EVENT_VERSIONS[type], occurredAt: occurredAt.toISOString(), payload };
}

/** Positions 1..n and deterministic event ids (`evt_seed_<n>` for merchants, `evt_seed_<publisher>_<n>` else). */
function numbered(publisher: Publisher, events: SeedEvent[]): DeliveredEvent[] {
  const prefix = publisher === 'merchants' ? 'evt_seed_' : `evt_seed_${publisher}_`;
  return events.map((e, i) => ({ ...e, position: i + 1, eventId: `${prefix}${String(i + 1).padStart(8, '0')}` }));
}

type MerchantsHistoryWorld = Pick<World, 'merchants' | 'stores' | 'miniPrograms' | 'categories'>;

/**
 * The merchants events of the seed world: `merchant.created` for each merchant, then `store.created` for each store,
 * then `mini_program.published` for each mini program, at positions 1..n with deterministic event ids
 * (`evt_seed_<n>`), so seeding twice gives the same outbox. The merchants seed writes them to its outbox, and each
 * consumer's seed applies them to its projection (with its cursor at n), so the seeded projections are exactly what
 * delivering this history produces, and a rebuild of them gives the same rows.
 */
export function seedMerchantEvents(world: MerchantsHistoryWorld): DeliveredEvent[] {
  const categoryNames = new Map(world.categories.map((c) => [c.id, c.name]));
  return numbered('merchants', [
    ...world.merchants.map((m) =>
      seedEvent('merchants', 'merchant.created', m.id, m.createdAt, {
        merchantId: m.id,
        name: m.name,
        categoryId: m.categoryId,
        status: m.status,
        settlementRateBps: m.settlementRateBps,
        serviceProviderId: m.serviceProviderId ?? null,
        city: m.city,
        nameZh: m.nameZh ?? null,
        joinedCircleAt: m.joinedCircleAt?.toISOString() ?? null,
        categoryName: categoryNames.get(m.categoryId) ?? '',
      }),
    ),
    ...world.stores.map((s) =>
      seedEvent('merchants', 'store.created', s.id, SEED_EPOCH, {
        storeId: s.id,
        merchantId: s.merchantId,
        name: s.name,
        address: s.address,
        city: s.city,
        lat: s.lat,
        lng: s.lng,
        openingHours: s.openingHours,
      }),
    ),
    ...world.miniPrograms.map((p) =>
      seedEvent('merchants', 'mini_program.published', p.id, p.onlineSince, {
        miniProgramId: p.id,
        merchantId: p.merchantId,
        appId: p.appId,
        name: p.name,
        onlineSince: p.onlineSince.toISOString(),
      }),
    ),
  ]);
}

/** Content's history: `life_account.created` for each life account, then `post.published` for each post. */
export function seedContentEvents(world: Pick<World, 'lifeAccounts' | 'posts'>): DeliveredEvent[] {
  const merchantOf = new Map(world.lifeAccounts.map((a) => [a.id, a.merchantId ?? null]));
  return numbered('content', [
    ...world.lifeAccounts.map((a) =>
      seedEvent('content', 'life_account.created', a.id, a.createdAt, {
        accountId: a.id,
        kind: a.kind,
        name: a.name,
        bio: a.bio,
        merchantId: a.merchantId ?? null,
        createdAt: a.createdAt.toISOString(),
      }),
    ),
    ...world.posts.map((p) =>
      seedEvent('content', 'post.published', p.id, p.publishedAt, {
        postId: p.id,
        accountId: p.accountId,
        merchantId: merchantOf.get(p.accountId) ?? null,
        kind: p.kind,
        title: p.title,
        storeId: p.storeId ?? null,
        publishedAt: p.publishedAt.toISOString(),
      }),
    ),
  ]);
}

/** Offers' history: `coupon_template.created` for each template, then `group_buy_campaign.created` for each campaign. */
export function seedOffersEvents(world: Pick<World, 'couponTemplates' | 'groupBuyCampaigns'>): DeliveredEvent[] {
  return numbered('offers', [
    ...world.couponTemplates.map((t) =>
      seedEvent('offers', 'coupon_template.created', t.id, t.createdAt, couponTemplateCreated(t)),
    ),
    ...world.groupBuyCampaigns.map((c) =>
      seedEvent('offers', 'group_buy_campaign.created', c.id, c.createdAt, groupBuyCampaignCreated(c)),
    ),
  ]);
}

/** A history as outbox rows, for a publisher's seed. */
export function outboxRows(events: readonly DeliveredEvent[]) {
  return events.map((e) => ({
    id: e.position,
    eventId: e.eventId,
    type: e.type,
    entityId: e.entityId,
    version: e.version,
    payload: JSON.stringify(e.payload),
    occurredAt: new Date(e.occurredAt),
  }));
}

/** The outbox rows of `seedMerchantEvents`, for the merchants seed. */
export function seedOutboxRows(world: MerchantsHistoryWorld) {
  return outboxRows(seedMerchantEvents(world));
}

/**
 * Applies the seed world's history of every publisher the projection reads (merchants first, as the consumers
 * start) to the consumer's projection and cursors, in the seed's transaction.
 */
export function applySeedEvents(tx: SyncSqlite, projection: Projection, world: World): void {
  const histories: Record<Publisher, () => DeliveredEvent[]> = {
    merchants: () => seedMerchantEvents(world),
    content: () => seedContentEvents(world),
    offers: () => seedOffersEvents(world),
    social: () => [],
  };
  for (const [publisher, handler] of Object.entries(projection.sources) as [
    Publisher,
    Projection['sources']['merchants'],
  ][]) {
    if (handler) applyEvents(tx, publisher, handler, histories[publisher]());
  }
}
