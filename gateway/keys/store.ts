import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { desc, eq } from 'drizzle-orm';
import { openDatabase, type SubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { newId } from '../../subgraphs/shared/ids.ts';
import * as tables from './tables.ts';

export const KEY_PREFIX = 'lg_live_';
/** 24 random bytes = 192 bits, base64url: 32 characters after the prefix. Guessing is hopeless. */
const KEY_PATTERN = /^lg_live_[A-Za-z0-9_-]{32}$/;
const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));

/** What `keys list` shows: never the key, only how to recognise it. */
export interface ApiKeySummary {
  id: string;
  name: string;
  prefix: string;
  lastFour: string;
  scopes: string[];
  merchants: string[];
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export type KeyCheck =
  | { ok: true; key: ApiKeySummary }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

/** The gateway's own SQLite database (`<dataDir>/gateway.sqlite`) holding partner API keys. */
export class ApiKeyStore {
  private readonly database: SubgraphDatabase<typeof tables>;

  constructor(dataDir: string) {
    this.database = openDatabase({
      file: path.join(dataDir, 'gateway.sqlite'),
      schema: tables,
      migrationsFolder: MIGRATIONS,
    });
  }

  /** Creates a key; the returned `key` is the only time it is ever visible. */
  create(input: { name: string; scopes: string[]; merchants: string[]; expiresAt: Date | null; now?: Date }) {
    const key = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
    const row = {
      id: newId('key'),
      name: input.name,
      prefix: KEY_PREFIX,
      lastFour: key.slice(-4),
      keyHash: hashKey(key),
      scopes: input.scopes,
      merchantIds: input.merchants,
      createdAt: input.now ?? new Date(),
      expiresAt: input.expiresAt,
    };
    this.database.db.insert(tables.apiKeys).values(row).run();
    return { key, summary: summarize({ ...row, revokedAt: null, lastUsedAt: null }) };
  }

  list(): ApiKeySummary[] {
    return this.database.db.select().from(tables.apiKeys).orderBy(desc(tables.apiKeys.createdAt)).all().map(summarize);
  }

  /** Revokes a key; returns false for an unknown id. Revoking twice keeps the first revocation time. */
  revoke(id: string, now = new Date()): boolean {
    const row = this.database.db.select().from(tables.apiKeys).where(eq(tables.apiKeys.id, id)).get();
    if (!row) return false;
    if (!row.revokedAt)
      this.database.db.update(tables.apiKeys).set({ revokedAt: now }).where(eq(tables.apiKeys.id, id)).run();
    return true;
  }

  /**
   * Checks a presented key on every request, straight from the database (no cache), so a revocation or an
   * expiry applies to the very next request; records when the key was last used.
   */
  verify(presented: string, now = new Date()): KeyCheck {
    if (!KEY_PATTERN.test(presented)) return { ok: false, reason: 'malformed' };
    const row = this.database.db
      .select()
      .from(tables.apiKeys)
      .where(eq(tables.apiKeys.keyHash, hashKey(presented)))
      .get();
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revokedAt) return { ok: false, reason: 'revoked' };
    if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
    this.database.db.update(tables.apiKeys).set({ lastUsedAt: now }).where(eq(tables.apiKeys.id, row.id)).run();
    return { ok: true, key: summarize({ ...row, lastUsedAt: now }) };
  }

  close() {
    this.database.close();
  }
}

/** Keys carry 192 random bits, so a fast hash is safe here: there is nothing to brute-force. */
function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function summarize(row: typeof tables.apiKeys.$inferSelect): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    lastFour: row.lastFour,
    scopes: row.scopes,
    merchants: row.merchantIds,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
  };
}
