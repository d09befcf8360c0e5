import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBuckets } from '../../gateway/rate-limit/bucket.ts';
import { RedisBuckets } from '../../gateway/rate-limit/redis-store.ts';
import { eventually } from '../support/processes.ts';
import { deleteKeys, redisAnswers, redisProxy, TEST_REDIS_URL } from '../support/redis.ts';

/** Buckets in the machine's real Redis, as two gateway processes would hold them (one connection each). */
const available = await redisAnswers('redis buckets');
const silent = pino({ level: 'silent' });
const run = randomUUID();
const limits = { pointsPerSecond: 1, bucketPoints: 500 };

describe.skipIf(!available)('buckets in Redis', () => {
  const opened: RedisBuckets[] = [];
  const open = (url = TEST_REDIS_URL, onFailure?: () => void) => {
    const buckets = new RedisBuckets(url, new MemoryBuckets(), silent, onFailure);
    opened.push(buckets);
    return buckets;
  };
  afterAll(async () => {
    await Promise.all(opened.map((b) => b.close()));
    await deleteKeys(`lifegraph:bucket:test-${run}-*`);
  });

  it('two gateways taking at once from one bucket never get more than it holds', async () => {
    const [a, b] = [open(), open()];
    await Promise.all([a.ready(), b.ready()]);
    const key = `test-${run}-shared`;
    const started = Date.now();
    const takes = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).take(key, limits, 10)));
    const seconds = (Date.now() - started) / 1000;
    const allowed = takes.filter((t) => t.allowed).length;
    // 500 points hold 50 takes of 10; the bucket refills 1 point/s meanwhile, less than one more take.
    expect(allowed).toBeGreaterThanOrEqual(50);
    expect(allowed * 10).toBeLessThanOrEqual(500 + Math.ceil(seconds) * limits.pointsPerSecond);
    expect(takes.filter((t) => !t.allowed).every((t) => t.available < 10 + seconds)).toBe(true);
  });

  it('refunds go back into the shared bucket, capped at its size', async () => {
    const [a, b] = [open(), open()];
    await Promise.all([a.ready(), b.ready()]);
    const key = `test-${run}-refund`;
    expect((await a.take(key, limits, 300)).available).toBeCloseTo(200, 0);
    expect((await b.take(key, limits, -100)).available).toBeCloseTo(300, 0);
    expect((await a.take(key, limits, -10_000)).available).toBe(500);
  });

  it('with Redis gone, each gateway limits callers alone, fast; once it is back, the shared bucket applies again', async () => {
    const proxy = await redisProxy();
    let failures = 0;
    const buckets = open(proxy.url, () => failures++);
    try {
      expect(await buckets.ready()).toBe(true);
      const key = `test-${run}-outage`;
      expect((await buckets.take(key, limits, 450)).allowed).toBe(true);
      await proxy.cut();
      // The process's own bucket for this caller: full (it never saw the shared one), but a bucket all the same.
      const started = Date.now();
      const during = [];
      for (let i = 0; i < 60; i++) during.push(await buckets.take(key, limits, 10));
      expect(Date.now() - started).toBeLessThan(5000);
      expect(during.filter((t) => t.allowed).length).toBe(50);
      expect(failures).toBe(60);
      await proxy.restore();
      // Back on Redis: the shared bucket still holds what it held (about 50 points), not a fresh 500.
      await eventually(async () => {
        const take = await buckets.take(key, limits, 0);
        return take.available >= 50 && take.available < 100;
      }, 'the gateway uses the shared bucket in Redis again');
    } finally {
      await proxy.close();
    }
  });

  it('with a Redis that stops answering, one request waits for the timeout, the others in the next second do not', async () => {
    const proxy = await redisProxy();
    let failures = 0;
    const buckets = open(proxy.url, () => failures++);
    try {
      expect(await buckets.ready()).toBe(true);
      proxy.stall();
      const key = `test-${run}-stalled`;
      let started = Date.now();
      expect((await buckets.take(key, limits, 10)).allowed).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      started = Date.now();
      for (let i = 0; i < 20; i++) await buckets.take(key, limits, 10);
      expect(Date.now() - started).toBeLessThan(500);
      expect(failures).toBe(21);
    } finally {
      await proxy.close();
    }
  });
});
