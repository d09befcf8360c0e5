import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { timestampMs } from '../shared/columns.ts';
import { outboxEventsTable } from '../shared/events/outbox.ts';
import { idempotencyKeysTable } from '../shared/idempotency.ts';
import type { MerchantStatus } from './__generated__/resolvers-types.ts';

/** Merchant categories (fast food, dairy, ...); `code` is what clients filter by. */
export const categories = sqliteTable('categories', {
  id: text('id').primaryKey(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
});

/** Partners that on-board and operate merchants. */
export const serviceProviders = sqliteTable('service_providers', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  city: text('city').notNull(),
});

/** Merchants; `joined_circle_at` is set once the merchant joins the consumption circle. */
export const merchants = sqliteTable(
  'merchants',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** The brand's Chinese name (肯德基 for KFC), when it has one: shown to clients and indexed by search. */
    nameZh: text('name_zh'),
    categoryId: text('category_id')
      .notNull()
      .references(() => categories.id),
    status: text('status').$type<MerchantStatus>().notNull(),
    settlementRateBps: integer('settlement_rate_bps').notNull(),
    serviceProviderId: text('service_provider_id').references(() => serviceProviders.id),
    city: text('city').notNull(),
    joinedCircleAt: timestampMs('joined_circle_at'),
    createdAt: timestampMs('created_at').notNull(),
  },
  (t) => [
    index('merchants_category_id_idx').on(t.categoryId, t.id),
    index('merchants_service_provider_id_idx').on(t.serviceProviderId, t.id),
  ],
);

/**
 * Physical stores; lat/lng are indexed so `storesNear` can pre-filter on a bounding box. `closed_at` is set once a
 * store closes: the row stays (posts, coupons and payments name it), but it is no longer found nearby.
 */
export const stores = sqliteTable(
  'stores',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id),
    name: text('name').notNull(),
    address: text('address').notNull(),
    city: text('city').notNull(),
    lat: real('lat').notNull(),
    lng: real('lng').notNull(),
    openingHours: text('opening_hours').notNull(),
    closedAt: timestampMs('closed_at'),
  },
  (t) => [index('stores_merchant_id_idx').on(t.merchantId, t.id), index('stores_lat_lng_idx').on(t.lat, t.lng)],
);

/** Merchants' mini programs; `online_since` decides consumption-circle eligibility. */
export const miniPrograms = sqliteTable(
  'mini_programs',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id),
    appId: text('app_id').notNull().unique(),
    name: text('name').notNull(),
    onlineSince: timestampMs('online_since').notNull(),
  },
  (t) => [index('mini_programs_merchant_id_idx').on(t.merchantId, t.id)],
);

/** Keys of retried creates (`createStore`, `publishMiniProgram`): see shared/idempotency.ts. */
export const idempotencyKeys = idempotencyKeysTable();

/** Events this subgraph publishes, written in the transaction of the change (shared/events/outbox.ts). */
export const outboxEvents = outboxEventsTable();
