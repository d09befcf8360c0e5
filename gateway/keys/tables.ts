import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

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
  },
  (t) => [index('api_keys_created_at_idx').on(t.createdAt)],
);
