import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BucketLimits, BucketStore, MemoryBuckets, Take } from './bucket.ts';

/**
 * The bucket arithmetic of bucket.ts `take`, run inside Redis so that a read, refill and take are one atomic step
 * for every gateway process at once (no read-then-write race). Time is Redis's own clock, so gateways whose clocks
 * differ still agree. KEYS[1] the bucket; ARGV rate (points/s), size, points (negative: a refund).
 * Returns { allowed (0|1), points left as a string } (Lua numbers would be truncated to integers on the way out).
 */
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local size = tonumber(ARGV[2])
local points = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local stored = redis.call('HMGET', KEYS[1], 'p', 't')
local held = size
if stored[1] then
  held = math.min(size, tonumber(stored[1]) + math.max(0, now - tonumber(stored[2])) * rate / 1000)
end
local allowed = 0
if points <= held then
  held = math.min(size, held - points)
  allowed = 1
end
redis.call('HSET', KEYS[1], 'p', tostring(held), 't', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((size - held) * 1000 / rate) + 1000)
return { allowed, tostring(held) }
`;

const KEY_PREFIX = 'lifegraph:bucket:';
/**
 * A take slower than this counts as Redis being unreachable (the request then uses the process's own bucket). Generous:
 * on a busy machine the answer of a take Redis did apply can arrive late, and each late one is admitted twice.
 */
const COMMAND_TIMEOUT_MS = 1000;
/** After a failed take, the process's own buckets decide alone this long before Redis is asked again. */
const RETRY_AFTER_FAILURE_MS = 1000;
/** At most one warning per this long while Redis fails, not one per request. */
const WARN_EVERY_MS = 10_000;

type WithTake = Redis & {
  lifegraphTake(key: string, rate: number, size: number, points: number): Promise<[number, string]>;
};

/**
 * Buckets in Redis (`LIFEGRAPH_REDIS_URL`), shared by every gateway process and worker. When Redis does not answer
 * (down, unreachable, slower than 1 s), each process keeps limiting every caller with its own in-memory buckets of
 * the same sizes (`fallback`), logs it and counts it: the graph keeps serving, and no caller is ever unlimited; for
 * as long as Redis is away a caller can get at most one budget per gateway process. After a timeout the process
 * decides alone for a second before it asks Redis again (a Redis that accepts connections but never answers costs
 * one slow request a second); while disconnected, each take tries Redis again at once, so shared limits resume the
 * moment it is back (the local buckets then no longer matter).
 */
export class RedisBuckets implements BucketStore {
  private readonly redis: WithTake;
  private lastWarning = 0;
  /** Until when takes skip Redis (it just failed): a Redis that does not answer costs one timeout a second, not one per request. */
  private localUntil = 0;

  constructor(
    url: string,
    private readonly fallback: MemoryBuckets,
    private readonly logger: Logger,
    private readonly onFailure: () => void = () => {},
  ) {
    this.redis = new Redis(url, {
      // Fail at once while disconnected instead of queueing requests behind a dead connection.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: 2000,
      // Reconnect forever, at most every 2 s.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    }) as WithTake;
    this.redis.defineCommand('lifegraphTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    // ioredis reports connection errors as events; they are told by the failing takes (throttled), not per retry.
    this.redis.on('error', () => {});
  }

  /** Resolves once connected, or after `timeoutMs` (the gateway starts either way; takes fall back meanwhile). */
  ready(timeoutMs = 2000): Promise<boolean> {
    if (this.redis.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async take(key: string, limits: BucketLimits, points: number): Promise<Take> {
    if (Date.now() < this.localUntil) {
      this.onFailure();
      return this.fallback.takeNow(key, limits, points);
    }
    try {
      const [allowed, left] = await this.redis.lifegraphTake(
        KEY_PREFIX + key,
        limits.pointsPerSecond,
        limits.bucketPoints,
        points,
      );
      return { allowed: allowed === 1, available: Number(left) };
    } catch (error) {
      this.onFailure();
      const now = Date.now();
      // Not while disconnected: ioredis refuses at once then, and the first command after its reconnect gets through.
      if (this.redis.status === 'ready') this.localUntil = now + RETRY_AFTER_FAILURE_MS;
      if (now - this.lastWarning >= WARN_EVERY_MS) {
        this.lastWarning = now;
        this.logger.warn(
          { err: error },
          'rate limits: Redis did not answer; limiting each caller with this process’s own buckets until it does',
        );
      }
      return this.fallback.takeNow(key, limits, points);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
