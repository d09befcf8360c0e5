import { createHash, randomBytes } from 'node:crypto';
import { desc, eq, sql } from 'drizzle-orm';
import { type Logger, pino } from 'pino';
import { newId } from '../../subgraphs/contract/index.ts';
import { type KeyDatabase, openKeyDatabase } from './database.ts';
import * as tables from './tables.ts';

const KEY_PREFIX = 'lg_live_';
/** 24 random bytes = 192 bits, base64url: 32 characters after the prefix. Guessing is hopeless. */
const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}[A-Za-z0-9_-]{32}$`);

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

export interface ApiKeyStoreOptions {
  /** How often recorded last-use times are written to the database (default 5 s). */
  flushIntervalMs?: number;
  /** How long one flush waits for another writer's lock before leaving it to the next flush (default 50 ms). */
  flushBusyTimeoutMs?: number;
  /** Where failed flushes are reported (pino at `LOG_LEVEL` when not given). */
  logger?: Logger;
}

/**
 * The gateway's own SQLite database (`<dataDir>/gateway.sqlite`) holding partner API keys.
 *
 * Verifying a key is one indexed read and never a write: last-use times are kept in memory and written in
 * one transaction every few seconds, so a full disk or another process holding the write lock can neither
 * fail nor stall partner requests (WAL readers do not wait for writers).
 */
export class ApiKeyStore {
  private readonly database: KeyDatabase;
  private readonly findByHash;
  // max(): another gateway process sharing the file may already have written a later use.
  private readonly writeUse;
  /** Key id → the latest use not yet written; bounded by the number of keys. */
  private readonly pendingUse = new Map<string, number>();
  private readonly flushIntervalMs: number;
  private readonly flushBusyTimeoutMs: number;
  private readonly logger: Logger;
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(dataDir: string, options: ApiKeyStoreOptions = {}) {
    this.database = openKeyDatabase(dataDir);
    this.findByHash = this.database.db
      .select()
      .from(tables.apiKeys)
      .where(eq(tables.apiKeys.keyHash, sql.placeholder('hash')))
      .prepare();
    this.writeUse = this.database.sqlite.prepare(
      'update api_keys set last_used_at = max(coalesce(last_used_at, 0), ?) where id = ?',
    );
    this.flushIntervalMs = options.flushIntervalMs ?? 5000;
    this.flushBusyTimeoutMs = options.flushBusyTimeoutMs ?? 50;
    this.logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' });
  }

  /** SQL statements this store has run (tests prove that verifying a key writes nothing). */
  get statements(): number {
    return this.database.stats.statements;
  }

  /** Key uses recorded in memory and not yet written. */
  get pendingUses(): number {
    return this.pendingUse.size;
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

  /** Every key, newest first, with its last use as last flushed. */
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
   * expiry applies to the very next request. The use is only noted in memory; `flush` writes it later.
   */
  verify(presented: string, now = new Date()): KeyCheck {
    if (!KEY_PATTERN.test(presented)) return { ok: false, reason: 'malformed' };
    const row = this.findByHash.get({ hash: hashKey(presented) });
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revokedAt) return { ok: false, reason: 'revoked' };
    if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
    this.noteUse(row.id, now.getTime());
    return { ok: true, key: summarize({ ...row, lastUsedAt: now }) };
  }

  /**
   * Writes the noted last uses in one transaction, waiting at most `flushBusyTimeoutMs` for the write lock.
   * A failure (locked database, full disk) is logged and the uses are kept for the next flush; it never
   * throws. Returns how many keys were written.
   */
  flush(): number {
    return this.write(this.flushBusyTimeoutMs);
  }

  /**
   * Writes what is pending and closes the database. There is no next flush to leave the uses to, so this one
   * waits for the write lock as long as any other write does (the connection's busy timeout, 5 s).
   */
  close() {
    this.write(null);
    // Stopped after the write: a failed write notes its uses again, which would start a timer if none ran. Those
    // uses stay unwritten (it was logged); no timer may flush a closed database.
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    this.database.close();
  }

  /** Writes the pending uses, waiting `busyTimeoutMs` for the lock (null: the connection's own busy timeout). */
  private write(busyTimeoutMs: number | null): number {
    if (this.pendingUse.size === 0) return 0;
    const batch = [...this.pendingUse];
    this.pendingUse.clear();
    const { sqlite } = this.database;
    const busyTimeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs ?? busyTimeout}`);
    try {
      sqlite.transaction(() => {
        for (const [id, at] of batch) this.writeUse.run(at, id);
      })();
      return batch.length;
    } catch (error) {
      for (const [id, at] of batch) this.noteUse(id, at);
      this.logger.warn(
        { err: error, keys: batch.length },
        busyTimeoutMs === null
          ? 'could not record API key last use at shutdown; those last-use times are lost'
          : 'could not record API key last use; partner requests are unaffected, retrying at the next flush',
      );
      return 0;
    } finally {
      sqlite.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }

  private noteUse(id: string, at: number) {
    if ((this.pendingUse.get(id) ?? 0) < at) this.pendingUse.set(id, at);
    if (!this.flushTimer) {
      // unref: a pending flush never keeps a process (a CLI, a test) alive; close() writes what is left.
      this.flushTimer = setInterval(() => this.flush(), this.flushIntervalMs);
      this.flushTimer.unref();
    }
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
