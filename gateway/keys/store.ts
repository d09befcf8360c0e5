import { createHash, randomBytes } from 'node:crypto';
import { desc, eq, sql } from 'drizzle-orm';
import { type Logger, pino } from 'pino';
import { newId } from '../../subgraphs/contract/index.ts';
import { type KeyDatabase, openKeyDatabase } from './database.ts';
import { type KeyRateLimit, rateLimitProblem } from './limits.ts';
import * as tables from './tables.ts';
import { minuteOf, PendingUsage, sumUsage, USAGE_RETENTION_MS, type UsageTotals, usageWindows } from './usage.ts';

export type { KeyRateLimit } from './limits.ts';
export type { UsageTotals } from './usage.ts';

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
  /** The key's own bucket; null: the rate limiter's defaults for partners. */
  rateLimit: KeyRateLimit | null;
}

/** A key's usage for `keys usage`: written rows plus what this process has not flushed yet. */
export interface KeyUsage {
  lastHour: UsageTotals;
  lastDay: UsageTotals;
}

export type KeyCheck =
  | { ok: true; key: ApiKeySummary }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

export interface ApiKeyStoreOptions {
  /** How often recorded last-use times and usage are written to the database (default 5 s). */
  flushIntervalMs?: number;
  /** How long one flush waits for another writer's lock before leaving it to the next flush (default 50 ms). */
  flushBusyTimeoutMs?: number;
  /** Where failed flushes are reported (pino at `LOG_LEVEL` when not given). */
  logger?: Logger;
}

/**
 * The gateway's own SQLite database (`<dataDir>/gateway.sqlite`) holding partner API keys.
 *
 * Verifying a key is one indexed read and never a write: last-use times and usage (per key per minute) are kept
 * in memory and written in one transaction every few seconds, so a full disk or another process holding the write
 * lock can neither fail nor stall partner requests (WAL readers do not wait for writers).
 */
export class ApiKeyStore {
  private readonly database: KeyDatabase;
  private readonly findByHash;
  // max(): another gateway process sharing the file may already have written a later use.
  private readonly writeUse;
  private readonly findRateLimit;
  // Adds: several gateway processes sharing the file each flush their own counts for the same minute.
  private readonly writeUsage;
  private readonly pruneUsage;
  private readonly readUsage;
  /** Key id → the latest use not yet written; bounded by the number of keys. */
  private readonly pendingUse = new Map<string, number>();
  private readonly pendingUsage = new PendingUsage();
  private readonly flushIntervalMs: number;
  private readonly flushBusyTimeoutMs: number;
  private readonly logger: Logger;
  private flushTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(dataDir: string, options: ApiKeyStoreOptions = {}) {
    this.database = openKeyDatabase(dataDir);
    const { sqlite } = this.database;
    this.findByHash = this.database.db
      .select()
      .from(tables.apiKeys)
      .where(eq(tables.apiKeys.keyHash, sql.placeholder('hash')))
      .prepare();
    this.writeUse = sqlite.prepare('update api_keys set last_used_at = max(coalesce(last_used_at, 0), ?) where id = ?');
    // Raw statements: this read runs on every partner request, next to `verify`'s.
    this.findRateLimit = sqlite.prepare<[string], { pointsPerSecond: number | null; bucketPoints: number | null }>(
      'select rate_points_per_second as pointsPerSecond, bucket_points as bucketPoints from api_keys where id = ?',
    );
    this.writeUsage = sqlite.prepare(
      `insert into api_key_usage (key_id, minute, requests, cost_points, throttled)
       values (@keyId, @minute, @requests, @costPoints, @throttled)
       on conflict (key_id, minute) do update set requests = requests + excluded.requests,
         cost_points = cost_points + excluded.cost_points, throttled = throttled + excluded.throttled`,
    );
    this.pruneUsage = sqlite.prepare('delete from api_key_usage where minute < ?');
    // Both windows in one read over the key's rows of the last day (the primary key's range).
    this.readUsage = sqlite.prepare<
      { keyId: string; hourFrom: number; dayFrom: number; to: number },
      Record<'hourRequests' | 'hourCost' | 'hourThrottled' | 'dayRequests' | 'dayCost' | 'dayThrottled', number>
    >(
      `select
         coalesce(sum(case when minute >= @hourFrom then requests end), 0) as hourRequests,
         coalesce(sum(case when minute >= @hourFrom then cost_points end), 0) as hourCost,
         coalesce(sum(case when minute >= @hourFrom then throttled end), 0) as hourThrottled,
         coalesce(sum(requests), 0) as dayRequests,
         coalesce(sum(cost_points), 0) as dayCost,
         coalesce(sum(throttled), 0) as dayThrottled
       from api_key_usage where key_id = @keyId and minute >= @dayFrom and minute <= @to`,
    );
    this.flushIntervalMs = options.flushIntervalMs ?? 5000;
    this.flushBusyTimeoutMs = options.flushBusyTimeoutMs ?? 50;
    // On stderr, as every log line: stdout carries only a command's result (`npm run -s keys -- list`).
    this.logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
  }

  /** SQL statements this store has run (tests prove that verifying a key writes nothing). */
  get statements(): number {
    return this.database.stats.statements;
  }

  /** Key uses recorded in memory and not yet written. */
  get pendingUses(): number {
    return this.pendingUse.size;
  }

  /** Usage rows (key × minute) recorded in memory and not yet written. */
  get pendingUsageRows(): number {
    return this.pendingUsage.size;
  }

  /**
   * Creates a key; the returned `key` is the only time it is ever visible. `rateLimit` gives it its own bucket
   * (null or absent: the partner defaults); limits outside `RATE_LIMIT_BOUNDS` throw a RangeError saying why.
   */
  create(input: {
    name: string;
    scopes: string[];
    merchants: string[];
    expiresAt: Date | null;
    rateLimit?: KeyRateLimit | null;
    now?: Date;
  }) {
    const rateLimit = input.rateLimit ?? null;
    const problem =
      rateLimit && rateLimitProblem(rateLimit, { pointsPerSecond: 'pointsPerSecond', bucketPoints: 'bucketPoints' });
    if (problem) throw new RangeError(`Cannot create the key: ${problem}`);
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
      ratePointsPerSecond: rateLimit?.pointsPerSecond ?? null,
      bucketPoints: rateLimit?.bucketPoints ?? null,
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
   * A key's own limits, or null for the partner defaults (and for an unknown id). One indexed read and no cache,
   * so a change applies to the next request; the rate limiter calls it per partner request.
   */
  rateLimitOf(id: string): KeyRateLimit | null {
    const row = this.findRateLimit.get(id);
    if (row?.pointsPerSecond == null || row.bucketPoints == null) return null;
    return { pointsPerSecond: row.pointsPerSecond, bucketPoints: row.bucketPoints };
  }

  /**
   * Notes one partner request in memory, added to its key's minute; `flush` writes it later, so the request path
   * never writes. `cost` is the cost points the request spent: a throttled request spent none, so the caller
   * records it with cost 0 and `throttled: true` (it still counts as a request). Never throws.
   */
  recordUsage(keyId: string, usage: { cost: number; throttled: boolean }, now = new Date()): void {
    // A request answered while the gateway stops may finish after close(): nothing can write its usage any more.
    if (this.closed) return;
    const costPoints = Number.isFinite(usage.cost) && usage.cost > 0 ? usage.cost : 0;
    this.pendingUsage.add(keyId, minuteOf(now.getTime()), {
      requests: 1,
      costPoints,
      throttled: usage.throttled ? 1 : 0,
    });
    this.scheduleFlush();
  }

  /**
   * A key's requests, cost points spent and throttled requests in the last hour and the last day (the current
   * minute and the 59 or 1,439 before it): the rows every process has written, plus this process's pending ones.
   * Another gateway's unflushed usage (at most one flush interval) is not seen.
   */
  usage(keyId: string, now = new Date()): KeyUsage {
    const windows = usageWindows(now);
    const row = this.readUsage.get({ keyId, ...windows });
    const written = {
      hour: { requests: row?.hourRequests ?? 0, costPoints: row?.hourCost ?? 0, throttled: row?.hourThrottled ?? 0 },
      day: { requests: row?.dayRequests ?? 0, costPoints: row?.dayCost ?? 0, throttled: row?.dayThrottled ?? 0 },
    };
    return {
      lastHour: sumUsage(written.hour, this.pendingUsage.totals(keyId, windows.hourFrom, windows.to)),
      lastDay: sumUsage(written.day, this.pendingUsage.totals(keyId, windows.dayFrom, windows.to)),
    };
  }

  /**
   * Writes the noted last uses and usage in one transaction, waiting at most `flushBusyTimeoutMs` for the write
   * lock, and prunes usage older than 8 days (before `now`). A failure (locked database, full disk) is logged and
   * everything is kept for the next flush; it never throws. Returns how many keys were written.
   */
  flush(now = new Date()): number {
    return this.write(this.flushBusyTimeoutMs, now.getTime());
  }

  /**
   * Writes what is pending and closes the database. There is no next flush to leave the uses to, so this one
   * waits for the write lock as long as any other write does (the connection's busy timeout, 5 s).
   */
  close() {
    this.write(null, Date.now());
    // Stopped after the write: a failed write notes its uses again, which would start a timer if none ran. Those
    // uses stay unwritten (it was logged); no timer may flush a closed database.
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    this.closed = true;
    this.database.close();
  }

  /** Writes what is pending, waiting `busyTimeoutMs` for the lock (null: the connection's own busy timeout). */
  private write(busyTimeoutMs: number | null, now: number): number {
    if (this.pendingUse.size === 0 && this.pendingUsage.size === 0) return 0;
    const batch = [...this.pendingUse];
    this.pendingUse.clear();
    const usage = this.pendingUsage.drain();
    const { sqlite } = this.database;
    const busyTimeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs ?? busyTimeout}`);
    try {
      sqlite.transaction(() => {
        for (const [id, at] of batch) this.writeUse.run(at, id);
        for (const row of usage) this.writeUsage.run(row);
        this.pruneUsage.run(minuteOf(now) - USAGE_RETENTION_MS);
      })();
      return new Set([...batch.map(([id]) => id), ...usage.map((row) => row.keyId)]).size;
    } catch (error) {
      for (const [id, at] of batch) this.noteUse(id, at);
      this.pendingUsage.restore(usage, now);
      this.scheduleFlush();
      this.logger.warn(
        { err: error, keys: batch.length, usageRows: usage.length },
        busyTimeoutMs === null
          ? 'could not record API key last use and usage at shutdown; those last-use times are lost, and so are those usage counts'
          : 'could not record API key last use and usage; partner requests are unaffected, retrying at the next flush',
      );
      return 0;
    } finally {
      sqlite.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }

  private noteUse(id: string, at: number) {
    if ((this.pendingUse.get(id) ?? 0) < at) this.pendingUse.set(id, at);
    this.scheduleFlush();
  }

  private scheduleFlush() {
    if (!this.flushTimer && !this.closed) {
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
    rateLimit:
      row.ratePointsPerSecond != null && row.bucketPoints != null
        ? { pointsPerSecond: row.ratePointsPerSecond, bucketPoints: row.bucketPoints }
        : null,
  };
}
