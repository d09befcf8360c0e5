import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Partner API keys. The key itself is never stored: only its SHA-256 hash, plus what `keys list` shows. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** Shown in listings: `lg_live_` and the last four characters identify a key without revealing it. */
    prefix: text('prefix').notNull(),
    lastFour: text('last_four').notNull(),
    keyHash: text('key_hash').notNull().unique(),
    /** JSON arrays of strings. */
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    merchantIds: text('merchant_ids', { mode: 'json' }).$type<string[]>().notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    /** The key's own rate limit; both null (every key before they existed) means the partner defaults. */
    ratePointsPerSecond: integer('rate_points_per_second'),
    bucketPoints: integer('bucket_points'),
  },
  (t) => [index('api_keys_created_at_idx').on(t.createdAt)],
);

/**
 * Partner requests per key per minute, for `keys usage`. Rows are added to (several gateway processes flush into
 * one file) and pruned after 8 days. No foreign key to `api_keys`: a flush must never fail as a whole over one
 * row, and keys are revoked, never deleted.
 */
export const apiKeyUsage = sqliteTable(
  'api_key_usage',
  {
    keyId: text('key_id').notNull(),
    /** Epoch ms of the minute's start. */
    minute: integer('minute').notNull(),
    requests: integer('requests').notNull(),
    /** Cost points spent: throttled requests spent none. */
    costPoints: integer('cost_points').notNull(),
    throttled: integer('throttled').notNull(),
  },
  // The key comes first for the per-key window sums; the minute index serves the prune.
  (t) => [primaryKey({ columns: [t.keyId, t.minute] }), index('api_key_usage_minute_idx').on(t.minute)],
);
