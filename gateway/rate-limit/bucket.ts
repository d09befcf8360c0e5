/** How a caller's bucket of cost points behaves: it holds `bucketPoints` at most and refills `pointsPerSecond`. */
export interface BucketLimits {
  pointsPerSecond: number;
  bucketPoints: number;
}

/** A bucket as stored: the points it held at `at` (epoch ms); it has refilled since. */
export interface BucketState {
  points: number;
  at: number;
}

/** The answer to taking points from a bucket (or to looking at it, which takes none). */
export interface Take {
  allowed: boolean;
  /** Points left in the bucket after the take (before it, when refused). */
  available: number;
}

/**
 * The leaky bucket (a token bucket, seen from the caller's side): refills steadily up to its size, a take succeeds
 * only when the bucket holds all it asks for, and a negative take is a refund, capped at the size. The Lua script in
 * redis-store.ts is the same arithmetic; this one serves the in-memory and cluster stores.
 */
export function take(
  state: BucketState | undefined,
  limits: BucketLimits,
  points: number,
  now: number,
): { state: BucketState; result: Take } {
  const held = state
    ? Math.min(limits.bucketPoints, state.points + (Math.max(0, now - state.at) * limits.pointsPerSecond) / 1000)
    : limits.bucketPoints;
  const allowed = points <= held;
  const left = allowed ? Math.min(limits.bucketPoints, held - points) : held;
  return { state: { points: left, at: now }, result: { allowed, available: left } };
}

/** Whole seconds until a bucket holding `available` points holds `points`: what Retry-After says. */
export function secondsUntil(available: number, points: number, limits: BucketLimits): number {
  return Math.max(1, Math.ceil((points - available) / limits.pointsPerSecond));
}

/** Whole seconds until the bucket is full again (the `t` of the RateLimit header). */
export function secondsUntilFull(available: number, limits: BucketLimits): number {
  return Math.max(0, Math.ceil((limits.bucketPoints - available) / limits.pointsPerSecond));
}

/** Where buckets live: this process, the cluster primary, or Redis. Keys name the caller (`key:key_...`). */
export interface BucketStore {
  /** Takes `points` (negative: gives them back) from the caller's bucket, atomically. */
  take(key: string, limits: BucketLimits, points: number): Promise<Take>;
  close(): Promise<void>;
}

/**
 * Buckets in this process's memory, at most `maxBuckets` (a flood of new anonymous addresses must not grow memory
 * without bound). When full, buckets that have refilled completely are dropped first (forgetting them changes
 * nothing: a missing bucket is a full one), then the least recently used.
 */
export class MemoryBuckets implements BucketStore {
  private readonly buckets = new Map<string, BucketState & { limits: BucketLimits }>();

  constructor(
    private readonly maxBuckets = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  takeNow(key: string, limits: BucketLimits, points: number): Take {
    const now = this.now();
    const old = this.buckets.get(key);
    const { state, result } = take(old, limits, points, now);
    if (old) this.buckets.delete(key);
    else if (this.buckets.size >= this.maxBuckets) this.evict(now);
    this.buckets.set(key, { ...state, limits });
    return result;
  }

  async take(key: string, limits: BucketLimits, points: number): Promise<Take> {
    return this.takeNow(key, limits, points);
  }

  get size(): number {
    return this.buckets.size;
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }

  private evict(now: number) {
    for (const [key, bucket] of this.buckets) {
      if (take(bucket, bucket.limits, 0, now).result.available >= bucket.limits.bucketPoints) this.buckets.delete(key);
    }
    // Map order is least recently used first: every take re-inserts its bucket.
    const excess = this.buckets.size - Math.floor(this.maxBuckets * 0.9);
    let dropped = 0;
    for (const key of this.buckets.keys()) {
      if (dropped++ >= excess) break;
      this.buckets.delete(key);
    }
  }
}
