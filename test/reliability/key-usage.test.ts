import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { startTestGraph, type TestGraph, withKey } from '../support/graph.ts';
import { testDataDir } from '../support/temp.ts';

/**
 * Issue 10 items 3 and 6, the key store's part: a key's own rate limit, read per request without a cache, and its
 * usage counted per minute in memory, flushed off the request path (adding up across gateway processes), and
 * summed over the last hour and day.
 */
const NOW = new Date('2026-06-01T10:30:30Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const silent = pino({ level: 'silent' });

const open: ApiKeyStore[] = [];
/** A store that is closed after the test (unless the test closes it itself). */
function storeIn(dataDir: string) {
  const store = new ApiKeyStore(dataDir, { logger: silent, flushIntervalMs: 60_000 });
  open.push(store);
  return store;
}
afterEach(() => {
  for (const store of open.splice(0)) {
    try {
      store.close();
    } catch {
      // Closed by the test already.
    }
  }
});

const newKey = (store: ApiKeyStore, rateLimit?: { pointsPerSecond: number; bucketPoints: number } | null) =>
  store.create({ name: 'partner', scopes: ['merchant:offers'], merchants: [], expiresAt: null, rateLimit }).summary;

/** Another connection to gateway.sqlite, as another process (or an operator's sqlite3) has. */
function connect(dataDir: string) {
  return new Database(path.join(dataDir, 'gateway.sqlite'));
}

function usageRows(dataDir: string) {
  const db = connect(dataDir);
  try {
    return db.prepare('select * from api_key_usage order by key_id, minute').all();
  } finally {
    db.close();
  }
}

describe("a key's own rate limit", () => {
  it('is stored at creation, listed, and read back by rateLimitOf; without one it is null (the defaults)', () => {
    const store = storeIn(testDataDir());
    const limited = newKey(store, { pointsPerSecond: 50, bucketPoints: 1000 });
    const plain = newKey(store);
    expect(limited.rateLimit).toEqual({ pointsPerSecond: 50, bucketPoints: 1000 });
    expect(plain.rateLimit).toBeNull();
    expect(Object.fromEntries(store.list().map((k) => [k.id, k.rateLimit]))).toEqual({
      [limited.id]: { pointsPerSecond: 50, bucketPoints: 1000 },
      [plain.id]: null,
    });
    expect(store.rateLimitOf(limited.id)).toEqual({ pointsPerSecond: 50, bucketPoints: 1000 });
    expect(store.rateLimitOf(plain.id)).toBeNull();
    expect(store.rateLimitOf('key_unknown')).toBeNull();
  });

  it('is one read per call with no cache: a change made through another connection applies to the next call', () => {
    const dataDir = testDataDir();
    const store = storeIn(dataDir);
    const key = newKey(store, { pointsPerSecond: 50, bucketPoints: 1000 });
    const before = store.statements;
    expect(store.rateLimitOf(key.id)).toEqual({ pointsPerSecond: 50, bucketPoints: 1000 });
    expect(store.statements - before).toBe(1);
    const other = connect(dataDir);
    other.prepare('update api_keys set rate_points_per_second = 5, bucket_points = 20 where id = ?').run(key.id);
    other.close();
    expect(store.rateLimitOf(key.id)).toEqual({ pointsPerSecond: 5, bucketPoints: 20 });
  });

  it.each([
    [{ pointsPerSecond: 0, bucketPoints: 10 }, /pointsPerSecond must be a whole number .* from 1 to 100000 \(got 0\)/],
    [{ pointsPerSecond: 100_001, bucketPoints: 200_000 }, /pointsPerSecond .* \(got 100001\)/],
    [{ pointsPerSecond: 1.5, bucketPoints: 10 }, /pointsPerSecond .* \(got 1.5\)/],
    [{ pointsPerSecond: 10, bucketPoints: 0 }, /bucketPoints must be a whole number of points from 1 to 10000000/],
    [{ pointsPerSecond: 10, bucketPoints: 10_000_001 }, /bucketPoints .* \(got 10000001\)/],
    [{ pointsPerSecond: 10, bucketPoints: 9 }, /bucketPoints \(9\) must be at least pointsPerSecond \(10\)/],
  ])('create refuses %o and stores nothing', (rateLimit, message) => {
    const store = storeIn(testDataDir());
    expect(() => newKey(store, rateLimit)).toThrow(RangeError);
    expect(() => newKey(store, rateLimit)).toThrow(message);
    expect(store.list()).toEqual([]);
  });

  it('accepts the bounds themselves', () => {
    const store = storeIn(testDataDir());
    expect(newKey(store, { pointsPerSecond: 1, bucketPoints: 1 }).rateLimit).toEqual({
      pointsPerSecond: 1,
      bucketPoints: 1,
    });
    expect(newKey(store, { pointsPerSecond: 100_000, bucketPoints: 10_000_000 }).rateLimit).toEqual({
      pointsPerSecond: 100_000,
      bucketPoints: 10_000_000,
    });
  });
});

describe('usage', () => {
  it('is noted in memory (no statement), counted at once, and written by the flush', () => {
    const dataDir = testDataDir();
    const store = storeIn(dataDir);
    const key = newKey(store);
    const before = store.statements;
    store.recordUsage(key.id, { cost: 12, throttled: false }, NOW);
    store.recordUsage(key.id, { cost: 0, throttled: true }, NOW);
    expect(store.statements - before).toBe(0);
    expect(store.pendingUsageRows).toBe(1);
    const expected = { requests: 2, costPoints: 12, throttled: 1 };
    expect(store.usage(key.id, NOW)).toEqual({ lastHour: expected, lastDay: expected });
    expect(usageRows(dataDir)).toEqual([]);

    expect(store.flush(NOW)).toBe(1);
    expect(store.pendingUsageRows).toBe(0);
    expect(usageRows(dataDir)).toEqual([
      { key_id: key.id, minute: Date.parse('2026-06-01T10:30:00Z'), requests: 2, cost_points: 12, throttled: 1 },
    ]);
    // Written, no longer pending: counted once.
    expect(store.usage(key.id, NOW)).toEqual({ lastHour: expected, lastDay: expected });
  });

  it('sums the last hour and the last day: 2 h ago is in the day only, 25 h ago in neither', () => {
    const store = storeIn(testDataDir());
    const key = newKey(store);
    const other = newKey(store);
    store.recordUsage(key.id, { cost: 1, throttled: false }, ago(5 * MINUTE));
    store.recordUsage(key.id, { cost: 10, throttled: false }, ago(2 * HOUR));
    store.recordUsage(key.id, { cost: 100, throttled: false }, ago(25 * HOUR));
    store.recordUsage(other.id, { cost: 1000, throttled: false }, NOW);
    const expected = {
      lastHour: { requests: 1, costPoints: 1, throttled: 0 },
      lastDay: { requests: 2, costPoints: 11, throttled: 0 },
    };
    // The same windows from pending usage and from written rows.
    expect(store.usage(key.id, NOW)).toEqual(expected);
    store.flush(NOW);
    expect(store.usage(key.id, NOW)).toEqual(expected);
    expect(store.usage(other.id, NOW).lastHour).toEqual({ requests: 1, costPoints: 1000, throttled: 0 });
    expect(store.usage('key_unknown', NOW).lastDay).toEqual({ requests: 0, costPoints: 0, throttled: 0 });
  });

  it('counts whole minutes: the current one and the 59 (or 1,439) before it, never a later one', () => {
    const store = storeIn(testDataDir());
    const key = newKey(store);
    // NOW is 10:30:30: the hour starts at 09:31:00, the day at 10:31:00 the day before.
    for (const at of ['2026-06-01T09:31:00Z', '2026-06-01T09:30:59Z', '2026-05-31T10:31:00Z', '2026-05-31T10:30:59Z'])
      store.recordUsage(key.id, { cost: 1, throttled: false }, new Date(at));
    store.recordUsage(key.id, { cost: 1, throttled: false }, new Date('2026-06-01T10:31:00Z'));
    const check = () => {
      const { lastHour, lastDay } = store.usage(key.id, NOW);
      expect([lastHour.requests, lastDay.requests]).toEqual([1, 3]);
    };
    check();
    store.flush(NOW);
    check();
  });

  it('adds up across two stores on one file (two gateway processes), in the same minute', () => {
    const dataDir = testDataDir();
    const first = storeIn(dataDir);
    const second = storeIn(dataDir);
    const key = newKey(first);
    first.recordUsage(key.id, { cost: 3, throttled: false }, NOW);
    second.recordUsage(key.id, { cost: 4, throttled: false }, NOW);
    second.recordUsage(key.id, { cost: 0, throttled: true }, NOW);
    first.flush(NOW);
    second.flush(NOW);
    first.recordUsage(key.id, { cost: 5, throttled: false }, NOW);
    first.flush(NOW);
    expect(usageRows(dataDir)).toEqual([expect.objectContaining({ requests: 4, cost_points: 12, throttled: 1 })]);
    // Either process sees every written row; a third one (the CLI) too.
    const total = { requests: 4, costPoints: 12, throttled: 1 };
    expect(second.usage(key.id, NOW).lastHour).toEqual(total);
    expect(storeIn(dataDir).usage(key.id, NOW).lastDay).toEqual(total);
  });

  it('survives a failed flush: the usage stays pending, and the next flush writes it exactly once', () => {
    const dataDir = testDataDir();
    const store = storeIn(dataDir);
    const key = newKey(store);
    store.recordUsage(key.id, { cost: 7, throttled: false }, NOW);
    const locker = connect(dataDir);
    locker.exec('BEGIN IMMEDIATE');
    expect(store.flush(NOW)).toBe(0);
    expect(store.pendingUsageRows).toBe(1);
    // Recorded meanwhile, in the same minute: merged with what the failed flush gave back.
    store.recordUsage(key.id, { cost: 1, throttled: false }, NOW);
    expect(store.usage(key.id, NOW).lastHour).toEqual({ requests: 2, costPoints: 8, throttled: 0 });
    locker.exec('ROLLBACK');
    locker.close();
    expect(store.flush(NOW)).toBe(1);
    expect(usageRows(dataDir)).toEqual([expect.objectContaining({ requests: 2, cost_points: 8 })]);
    expect(store.flush(NOW)).toBe(0);
    expect(store.usage(key.id, NOW).lastHour).toEqual({ requests: 2, costPoints: 8, throttled: 0 });
  });

  it('is written with the last use in one transaction: a flush writes both or neither', () => {
    const dataDir = testDataDir();
    const store = storeIn(dataDir);
    const { key, summary } = store.create({ name: 'p', scopes: [], merchants: [], expiresAt: null });
    expect(store.verify(key, NOW).ok).toBe(true);
    store.recordUsage(summary.id, { cost: 2, throttled: false }, NOW);
    // A trigger that fails the usage insert: the last use, written first in the same transaction, must roll back.
    const db = connect(dataDir);
    db.exec("create trigger refuse before insert on api_key_usage begin select raise(abort, 'refused'); end");
    expect(store.flush(NOW)).toBe(0);
    const lastUsed = () => db.prepare('select last_used_at from api_keys').pluck().get();
    expect(lastUsed()).toBeNull();
    expect([store.pendingUses, store.pendingUsageRows]).toEqual([1, 1]);
    db.exec('drop trigger refuse');
    expect(store.flush(NOW)).toBe(1);
    expect(lastUsed()).toBe(NOW.getTime());
    db.close();
    expect(usageRows(dataDir)).toEqual([expect.objectContaining({ requests: 1, cost_points: 2 })]);
  });

  it('close() writes what is pending', () => {
    const dataDir = testDataDir();
    const store = storeIn(dataDir);
    const key = newKey(store);
    store.recordUsage(key.id, { cost: 9, throttled: false });
    store.close();
    expect(usageRows(dataDir)).toEqual([expect.objectContaining({ key_id: key.id, requests: 1, cost_points: 9 })]);
    // Recorded after close (a request finishing while the gateway stops): dropped, not an error.
    expect(() => store.recordUsage(key.id, { cost: 1, throttled: false })).not.toThrow();
  });

  it('prunes rows older than 8 days on flush', () => {
    const dataDir = testDataDir();
    const store = storeIn(dataDir);
    const key = newKey(store);
    const DAY = 24 * HOUR;
    store.recordUsage(key.id, { cost: 1, throttled: false }, ago(9 * DAY));
    store.recordUsage(key.id, { cost: 1, throttled: false }, ago(7 * DAY));
    store.flush(ago(9 * DAY));
    expect(usageRows(dataDir)).toHaveLength(2);
    store.recordUsage(key.id, { cost: 1, throttled: false }, NOW);
    store.flush(NOW);
    expect(usageRows(dataDir).map((row) => (row as { minute: number }).minute)).toEqual([
      ago(7 * DAY).getTime() - 30_000,
      Date.parse('2026-06-01T10:30:00Z'),
    ]);
  });
});

describe('through the gateway', () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startTestGraph();
  });
  afterAll(async () => {
    await graph?.stop();
  });

  it("applies a key's own small bucket, and `keys usage` shows what its requests cost and how many were throttled", async () => {
    const operator = storeIn(graph.dataDir);
    const { key, summary } = operator.create({
      name: 'small bucket',
      scopes: ['merchant:offers'],
      merchants: [],
      expiresAt: null,
      rateLimit: { pointsPerSecond: 1, bucketPoints: 3 },
    });
    // At once, so that the bucket's refill (1 point a second) cannot keep up however slow the machine is.
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => graph.query('{ merchant(id: "mer_kfc") { name } }', withKey(key))),
    );
    const expected = {
      requests: 8,
      costPoints: answers.reduce((sum, a) => sum + (a.status === 200 ? (a.cost?.actualQueryCost ?? 0) : 0), 0),
      throttled: answers.filter((a) => a.status === 429).length,
    };
    // Far beyond the partner defaults, within 3 points and 1 point a second: some pass, the rest are throttled.
    expect(expected.throttled).toBeGreaterThan(0);
    expect(expected.throttled).toBeLessThan(8);
    expect(expected.costPoints).toBeGreaterThan(0);

    // The graph's own store flushes every 5 s; this store reads what it wrote.
    await vi.waitFor(() => expect(operator.usage(summary.id).lastHour).toEqual(expected), {
      timeout: 15_000,
      interval: 250,
    });
    const { stdout } = await promisify(execFile)(path.resolve('node_modules/.bin/tsx'), [
      'gateway/cli/keys.ts',
      'usage',
      summary.id,
      '--json',
      '--data-dir',
      graph.dataDir,
    ]);
    expect(JSON.parse(stdout)).toEqual({ id: summary.id, name: 'small bucket', lastHour: expected, lastDay: expected });
  });
});
