import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { buildASTSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MemoryBuckets, secondsUntil, secondsUntilFull, take } from '../../gateway/rate-limit/bucket.ts';
import { callerOf, clientAddress } from '../../gateway/rate-limit/callers.ts';
import { MONEY_OR_STOCK_MUTATIONS, OTHER_MUTATIONS } from '../../gateway/rate-limit/money-mutations.ts';
import { DEFAULT_RATE_LIMITS, rateLimitsFromEnv } from '../../gateway/rate-limit/settings.ts';
import { SUPERGRAPH_FILE } from '../../gateway/supergraph.ts';
import { ANONYMOUS } from '../../subgraphs/contract/index.ts';

const limits = { pointsPerSecond: 10, bucketPoints: 100 };

describe('the leaky bucket', () => {
  it('starts full, refuses what it does not hold, and refills steadily up to its size', () => {
    let bucket = take(undefined, limits, 60, 0);
    expect(bucket.result).toEqual({ allowed: true, available: 40 });
    bucket = take(bucket.state, limits, 50, 0);
    expect(bucket.result).toEqual({ allowed: false, available: 40 });
    // One second later it holds 10 more; long after, never more than its size.
    bucket = take(bucket.state, limits, 50, 1000);
    expect(bucket.result).toEqual({ allowed: true, available: 0 });
    expect(take(bucket.state, limits, 0, 60_000).result.available).toBe(100);
  });

  it('takes refunds back up to its size, never beyond', () => {
    const spent = take(undefined, limits, 80, 0);
    expect(take(spent.state, limits, -30, 0).result.available).toBe(50);
    expect(take(spent.state, limits, -500, 0).result.available).toBe(100);
  });

  it('says how long until a cost fits (Retry-After) and until the bucket is full', () => {
    expect(secondsUntil(40, 50, limits)).toBe(1);
    expect(secondsUntil(0, 95, limits)).toBe(10);
    // Never 0: a client told "retry after 0" would retry at once.
    expect(secondsUntil(49.5, 50, limits)).toBe(1);
    expect(secondsUntilFull(40, limits)).toBe(6);
    expect(secondsUntilFull(100, limits)).toBe(0);
  });

  it('keeps at most maxBuckets in memory, forgetting full ones first', async () => {
    const buckets = new MemoryBuckets(10, () => 0);
    await buckets.take('spent', limits, 100);
    // A flood of new callers (new anonymous addresses) cannot refill a spent bucket by pushing it out.
    for (let i = 0; i < 50; i++) await buckets.take(`flood-${i}`, limits, 0);
    expect(buckets.size).toBeLessThanOrEqual(10);
    expect((await buckets.take('spent', limits, 0)).available).toBe(0);
    // Callers that really spend are all remembered up to the bound, then the least recently used go.
    for (let i = 0; i < 50; i++) await buckets.take(`spender-${i}`, limits, 1);
    expect(buckets.size).toBeLessThanOrEqual(10);
    expect((await buckets.take('spender-49', limits, 0)).available).toBe(99);
  });
});

describe('callers', () => {
  const req = (remoteAddress: string, forwarded?: string) =>
    ({ socket: { remoteAddress }, headers: forwarded ? { 'x-forwarded-for': forwarded } : {} }) as IncomingMessage;

  it('reads the client address through exactly the trusted proxies', () => {
    expect(clientAddress(req('10.0.0.1', '6.6.6.6, 1.2.3.4'), 0)).toBe('10.0.0.1');
    expect(clientAddress(req('10.0.0.1', '6.6.6.6, 1.2.3.4'), 1)).toBe('1.2.3.4');
    expect(clientAddress(req('10.0.0.1', '6.6.6.6, 1.2.3.4'), 2)).toBe('6.6.6.6');
    // A client cannot pick its bucket by sending more entries than there are proxies.
    expect(clientAddress(req('10.0.0.1', '1.1.1.1, 6.6.6.6, 1.2.3.4'), 1)).toBe('1.2.3.4');
    expect(clientAddress(req('10.0.0.1'), 2)).toBe('10.0.0.1');
  });

  it('gives partners their key bucket (their own limits when the key has them), users theirs, anonymous callers their address', () => {
    const partner = { kind: 'partner' as const, subject: 'key_1', scopes: [], merchantIds: [] };
    expect(callerOf(partner, '1.2.3.4', DEFAULT_RATE_LIMITS)).toEqual({
      kind: 'partner',
      bucket: 'key:key_1',
      limits: DEFAULT_RATE_LIMITS.buckets.partner,
      keyId: 'key_1',
    });
    expect(callerOf(partner, '1.2.3.4', DEFAULT_RATE_LIMITS, () => limits).limits).toEqual(limits);
    const user = { kind: 'user' as const, subject: 'usr_alice', scopes: [], merchantIds: [] };
    expect(callerOf(user, '1.2.3.4', DEFAULT_RATE_LIMITS).bucket).toBe('user:usr_alice');
    expect(callerOf(ANONYMOUS, '1.2.3.4', DEFAULT_RATE_LIMITS).bucket).toBe('ip:1.2.3.4');
  });
});

describe('rate-limit settings', () => {
  it('reads every setting and names the variable of a bad one', () => {
    const read = rateLimitsFromEnv({
      LIFEGRAPH_RATE_LIMIT_PARTNER: '20:400',
      LIFEGRAPH_MONEY_MUTATIONS_PER_MINUTE: '5',
      LIFEGRAPH_TRUSTED_PROXIES: '1',
      LIFEGRAPH_REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(read.buckets.partner).toEqual({ pointsPerSecond: 20, bucketPoints: 400 });
    expect(read.buckets.user).toEqual(DEFAULT_RATE_LIMITS.buckets.user);
    expect(read).toMatchObject({ moneyMutationsPerMinute: 5, trustedProxies: 1, redisUrl: 'redis://127.0.0.1:6379' });
    expect(rateLimitsFromEnv({ LIFEGRAPH_RATE_LIMITS: 'off' }).enabled).toBe(false);
    for (const [name, value] of [
      ['LIFEGRAPH_RATE_LIMIT_USER', '50'],
      ['LIFEGRAPH_RATE_LIMIT_USER', '100:50'],
      ['LIFEGRAPH_RATE_LIMIT_ANONYMOUS', '0:10'],
      ['LIFEGRAPH_RATE_LIMITS', 'maybe'],
      ['LIFEGRAPH_TRUSTED_PROXIES', 'x'],
      ['LIFEGRAPH_REDIS_URL', 'localhost:6379'],
    ] as const) {
      expect(() => rateLimitsFromEnv({ [name]: value }), `${name}=${value}`).toThrow(name);
    }
  });
});

describe('money and stock mutations', () => {
  it('classify every mutation of the supergraph, so a new one cannot escape the secondary limit unnoticed', () => {
    const sdl = readFileSync(SUPERGRAPH_FILE, 'utf8');
    const document = parse(sdl);
    const names: string[] = [];
    for (const d of document.definitions) {
      if ((d.kind === 'ObjectTypeDefinition' || d.kind === 'ObjectTypeExtension') && d.name.value === 'Mutation') {
        for (const field of d.fields ?? []) names.push(field.name.value);
      }
    }
    expect(names.length).toBeGreaterThan(10);
    const unclassified = names.filter((n) => !MONEY_OR_STOCK_MUTATIONS.has(n) && !OTHER_MUTATIONS.has(n));
    expect(unclassified).toEqual([]);
    const gone = [...MONEY_OR_STOCK_MUTATIONS, ...OTHER_MUTATIONS].filter((n) => !names.includes(n));
    expect(gone).toEqual([]);
    expect([...MONEY_OR_STOCK_MUTATIONS].filter((n) => OTHER_MUTATIONS.has(n))).toEqual([]);
    // The supergraph parses as a schema of its own too (sanity: the names above came from real definitions).
    expect(() => buildASTSchema(document, { assumeValidSDL: true })).not.toThrow();
  });
});
