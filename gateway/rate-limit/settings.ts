import { readIntegerEnv } from '../../subgraphs/contract/index.ts';
import type { BucketLimits } from './bucket.ts';

export type CallerKind = 'anonymous' | 'user' | 'partner';

/**
 * How callers are limited. Every caller has a bucket of cost points (see bucket.ts): each partner key, each
 * signed-in user, each client address of anonymous callers. Mutations that move money or stock also count against
 * a per-caller request rate (`moneyMutationsPerMinute`), like GitHub's secondary limits.
 */
export interface RateLimitOptions {
  /** Off: no buckets, no 429s (the cost is still computed, refused above `maxCost`, and reported). */
  enabled: boolean;
  buckets: Record<CallerKind, BucketLimits>;
  moneyMutationsPerMinute: number;
  /** Proxies in front of the gateway whose `X-Forwarded-For` entries are believed (0: the socket's address). */
  trustedProxies: number;
  /** Buckets shared through Redis (`LIFEGRAPH_REDIS_URL`); without it, in this gateway (and its workers). */
  redisUrl?: string;
}

/**
 * Defaults, from what one caller of each kind needs, in cost points (demand-control/: the estimate is an upper bound
 * from @listSize, and what a response did not use is refunded at once). Estimates of the client operations as the
 * apps send them: LiveRoom 23, LifeFeed 176 (1 706 at page size 100), NearbyDeals 201, Wallet 3 386, MerchantPage
 * 5 114 (its open groups may each list up to 100 members); 100 merchants with their accounts and coupons 1 401.
 * - anonymous callers, per client address: 500 points/s, bucket 15 000: any public screen, twice at once.
 * - signed-in users: 1 000 points/s, bucket 30 000: a first-party app opening several screens at once never waits.
 * - partners: 500 points/s, bucket 15 000 (Shopify's standard plan has 50/s and 1 000 on a cost scale about ten
 *   times smaller: it costs a connection by its page, ours by the worst case of everything under it).
 * - money and stock mutations: 60 per minute per caller (a person or a partner that claims, redeems or pays more
 *   often than once a second is a script).
 */
export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  enabled: true,
  buckets: {
    partner: { pointsPerSecond: 500, bucketPoints: 15_000 },
    user: { pointsPerSecond: 1_000, bucketPoints: 30_000 },
    anonymous: { pointsPerSecond: 500, bucketPoints: 15_000 },
  },
  moneyMutationsPerMinute: 60,
  trustedProxies: 0,
};

/** The largest rate and bucket a setting (or a key, `keys create --rate --bucket`) may give. */
export const MAX_POINTS_PER_SECOND = 100_000;
export const MAX_BUCKET_POINTS = 10_000_000;

const BUCKET_SETTINGS: Record<CallerKind, string> = {
  partner: 'LIFEGRAPH_RATE_LIMIT_PARTNER',
  user: 'LIFEGRAPH_RATE_LIMIT_USER',
  anonymous: 'LIFEGRAPH_RATE_LIMIT_ANONYMOUS',
};

/**
 * Reads the rate-limit settings; a bad value stops the start, naming the variable:
 * `LIFEGRAPH_RATE_LIMITS` (`on` | `off`), `LIFEGRAPH_RATE_LIMIT_{PARTNER,USER,ANONYMOUS}` as `RATE:BUCKET`
 * (points per second and bucket size, e.g. `50:1000`), `LIFEGRAPH_MONEY_MUTATIONS_PER_MINUTE`,
 * `LIFEGRAPH_TRUSTED_PROXIES`, `LIFEGRAPH_REDIS_URL`.
 */
export function rateLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): RateLimitOptions {
  const switchValue = env.LIFEGRAPH_RATE_LIMITS?.trim() || 'on';
  if (switchValue !== 'on' && switchValue !== 'off') {
    throw new Error(`LIFEGRAPH_RATE_LIMITS must be "on" or "off" (got "${switchValue}"); unset it for on.`);
  }
  const buckets = { ...DEFAULT_RATE_LIMITS.buckets };
  for (const [kind, key] of Object.entries(BUCKET_SETTINGS) as [CallerKind, string][]) {
    const raw = env[key]?.trim();
    if (raw) buckets[kind] = parseBucket(key, raw);
  }
  const redisUrl = env.LIFEGRAPH_REDIS_URL?.trim() || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new Error(`LIFEGRAPH_REDIS_URL must be a redis:// or rediss:// URL (got "${redisUrl}").`);
  }
  return {
    enabled: switchValue === 'on',
    buckets,
    moneyMutationsPerMinute: readIntegerEnv('LIFEGRAPH_MONEY_MUTATIONS_PER_MINUTE', {
      defaultValue: DEFAULT_RATE_LIMITS.moneyMutationsPerMinute,
      min: 1,
      max: MAX_POINTS_PER_SECOND * 60,
      env,
    }),
    trustedProxies: readIntegerEnv('LIFEGRAPH_TRUSTED_PROXIES', { defaultValue: 0, min: 0, max: 10, env }),
    redisUrl,
  };
}

/** `RATE:BUCKET` (whole numbers, the bucket at least one second of refill), or an error naming `name`. */
function parseBucket(name: string, raw: string): BucketLimits {
  const match = /^(\d+):(\d+)$/.exec(raw);
  const pointsPerSecond = Number(match?.[1]);
  const bucketPoints = Number(match?.[2]);
  const valid =
    match &&
    pointsPerSecond >= 1 &&
    pointsPerSecond <= MAX_POINTS_PER_SECOND &&
    bucketPoints >= pointsPerSecond &&
    bucketPoints <= MAX_BUCKET_POINTS;
  if (!valid) {
    throw new Error(
      `${name} must be RATE:BUCKET, points per second (1 to ${MAX_POINTS_PER_SECOND}) and bucket size (at least ` +
        `the rate, at most ${MAX_BUCKET_POINTS}), e.g. 50:1000 (got "${raw}").`,
    );
  }
  return { pointsPerSecond, bucketPoints };
}
