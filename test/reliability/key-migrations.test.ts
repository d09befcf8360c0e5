import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { testDataDir } from '../support/temp.ts';

/**
 * Key store migration 0001 (a key's own rate limit, usage per minute) on a gateway.sqlite made by the code before
 * it: drizzle's migrator with only 0000_init, holding a key that partners already use.
 */
const MIGRATIONS = new URL('../../gateway/keys/migrations/', import.meta.url);
const OLD_KEY = `lg_live_${'A'.repeat(28)}old1`;
const CREATED = Date.parse('2026-01-01T00:00:00Z');
const USED = Date.parse('2026-05-01T08:00:00Z');

/** A data directory whose gateway.sqlite is as the code before 0001 left it, with one key in use. */
function oldDataDir(): string {
  const dataDir = testDataDir('lg-keys-migration-');
  const oldMigrations = path.join(dataDir, 'migrations-0000');
  mkdirSync(path.join(oldMigrations, 'meta'), { recursive: true });
  copyFileSync(new URL('0000_init.sql', MIGRATIONS), path.join(oldMigrations, '0000_init.sql'));
  const journal = JSON.parse(readFileSync(new URL('meta/_journal.json', MIGRATIONS), 'utf8'));
  journal.entries = journal.entries.filter((entry: { tag: string }) => entry.tag === '0000_init');
  writeFileSync(path.join(oldMigrations, 'meta', '_journal.json'), JSON.stringify(journal));

  const sqlite = new Database(path.join(dataDir, 'gateway.sqlite'));
  try {
    migrate(drizzle(sqlite), { migrationsFolder: oldMigrations });
    sqlite
      .prepare(
        `insert into api_keys (id, name, prefix, last_four, key_hash, scopes, merchant_ids, created_at, last_used_at)
         values ('key_old', 'Youzan', 'lg_live_', 'old1', ?, '["merchant:offers"]', '["mer_kfc"]', ?, ?)`,
      )
      .run(createHash('sha256').update(OLD_KEY).digest('hex'), CREATED, USED);
  } finally {
    sqlite.close();
  }
  return dataDir;
}

const columnsOf = (dataDir: string, table: string) => {
  const db = new Database(path.join(dataDir, 'gateway.sqlite'), { readonly: true });
  try {
    return db.prepare(`select name from pragma_table_info(?)`).pluck().all(table) as string[];
  } finally {
    db.close();
  }
};

describe('key store migration 0001', () => {
  it('starts from a database without the limit columns or the usage table', () => {
    const dataDir = oldDataDir();
    expect(columnsOf(dataDir, 'api_keys')).not.toContain('rate_points_per_second');
    expect(columnsOf(dataDir, 'api_key_usage')).toEqual([]);
  });

  it('upgrades it on open: the old key keeps working, with the default limits and its history', () => {
    const dataDir = oldDataDir();
    const store = new ApiKeyStore(dataDir, { logger: pino({ level: 'silent' }), flushIntervalMs: 60_000 });
    try {
      expect(columnsOf(dataDir, 'api_keys')).toEqual(
        expect.arrayContaining(['rate_points_per_second', 'bucket_points']),
      );
      expect(columnsOf(dataDir, 'api_key_usage')).toEqual(['key_id', 'minute', 'requests', 'cost_points', 'throttled']);

      const now = new Date('2026-06-01T10:00:00Z');
      const check = store.verify(OLD_KEY, now);
      expect(check).toMatchObject({
        ok: true,
        key: { id: 'key_old', name: 'Youzan', scopes: ['merchant:offers'], merchants: ['mer_kfc'], rateLimit: null },
      });
      expect(store.rateLimitOf('key_old')).toBeNull();
      expect(store.list()).toEqual([
        expect.objectContaining({ id: 'key_old', createdAt: new Date(CREATED), lastUsedAt: new Date(USED) }),
      ]);

      store.recordUsage('key_old', { cost: 5, throttled: false }, now);
      expect(store.flush(now)).toBe(1);
      expect(store.usage('key_old', now).lastHour).toEqual({ requests: 1, costPoints: 5, throttled: 0 });
      expect(store.list()[0]?.lastUsedAt).toEqual(now);
    } finally {
      store.close();
    }
  });

  it('is applied once: reopening the upgraded database changes nothing', () => {
    const dataDir = oldDataDir();
    new ApiKeyStore(dataDir).close();
    const reopened = new ApiKeyStore(dataDir);
    try {
      expect(reopened.verify(OLD_KEY).ok).toBe(true);
    } finally {
      reopened.close();
    }
    const db = new Database(path.join(dataDir, 'gateway.sqlite'), { readonly: true });
    try {
      expect(db.prepare('select count(*) from __drizzle_migrations').pluck().get()).toBe(2);
    } finally {
      db.close();
    }
  });
});
