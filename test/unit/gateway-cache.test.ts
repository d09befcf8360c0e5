import type { ApolloGateway } from '@apollo/gateway';
import type { GatewayExecutor, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { buildSchema, type DocumentNode, getOperationAST, parse } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthorizingGateway } from '../../gateway/auth/authorizing-gateway.ts';
import { LruMap, operationCacheSizeFromEnv } from '../../gateway/auth/cache.ts';
import { createUserTokenVerifier, signUserToken, tokenCacheFromEnv } from '../../gateway/auth/user-token.ts';
import type { Identity } from '../../subgraphs/contract/index.ts';
import { ALICE, BOB, partner, staff } from '../support/identities.ts';

const SECRET = 'cache-test-secret';

afterEach(() => {
  vi.useRealTimers();
});

describe('LruMap', () => {
  it('keeps at most maxEntries, dropping the least recently used; 0 keeps nothing', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3);
    expect(lru.size).toBe(2);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c')]).toEqual([1, 3]);
    const off = new LruMap<string, number>(0);
    off.set('a', 1);
    expect([off.size, off.get('a')]).toEqual([0, undefined]);
  });
});

describe('the user token cache', () => {
  it('refuses an expired token that it verified while it was valid', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-06-01T10:00:00Z'));
    const verify = createUserTokenVerifier({ secret: SECRET });
    const token = await signUserToken({ userId: 'usr_alice', expiresIn: '60s' }, { secret: SECRET });
    await expect(verify(token)).resolves.toMatchObject({ subject: 'usr_alice' });
    await expect(verify(token)).resolves.toMatchObject({ subject: 'usr_alice' });
    expect(verify.cachedTokens).toBe(1);
    vi.setSystemTime(new Date('2026-06-01T10:00:59.999Z'));
    await expect(verify(token)).resolves.toMatchObject({ subject: 'usr_alice' });
    vi.setSystemTime(new Date('2026-06-01T10:01:00Z'));
    await expect(verify(token)).rejects.toThrow(/has expired/);
    expect(verify.cachedTokens).toBe(0);
  });

  it('reuses a verification at most maxAgeSeconds, and never remembers a refused token', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-06-01T10:00:00Z'));
    const verify = createUserTokenVerifier({ secret: SECRET, cache: { maxEntries: 10, maxAgeSeconds: 30 } });
    const token = await signUserToken({ userId: 'usr_alice', expiresIn: '1h' }, { secret: SECRET });
    await verify(token);
    vi.setSystemTime(new Date('2026-06-01T10:00:31Z'));
    // Verified again (still valid), so the entry is replaced rather than added.
    await expect(verify(token)).resolves.toMatchObject({ subject: 'usr_alice' });
    expect(verify.cachedTokens).toBe(1);
    const forged = await signUserToken({ userId: 'usr_mallory', expiresIn: '1h' }, { secret: 'another-secret' });
    await expect(verify(forged)).rejects.toThrow();
    await expect(verify(forged)).rejects.toThrow();
    expect(verify.cachedTokens).toBe(1);
  });

  it('holds at most maxEntries tokens, and none with maxEntries 0', async () => {
    const bounded = createUserTokenVerifier({ secret: SECRET, cache: { maxEntries: 3, maxAgeSeconds: 300 } });
    const off = createUserTokenVerifier({ secret: SECRET, cache: { maxEntries: 0, maxAgeSeconds: 300 } });
    for (let i = 0; i < 10; i += 1) {
      const token = await signUserToken({ userId: `usr_${i}` }, { secret: SECRET });
      await expect(bounded(token)).resolves.toMatchObject({ subject: `usr_${i}` });
      await expect(off(token)).resolves.toMatchObject({ subject: `usr_${i}` });
    }
    expect([bounded.cachedTokens, off.cachedTokens]).toEqual([3, 0]);
  });

  it('reads LIFEGRAPH_JWT_CACHE_SIZE and LIFEGRAPH_JWT_CACHE_TTL, failing fast on a typo', () => {
    expect(tokenCacheFromEnv({})).toEqual({ maxEntries: 10_000, maxAgeSeconds: 300 });
    expect(tokenCacheFromEnv({ LIFEGRAPH_JWT_CACHE_SIZE: '0', LIFEGRAPH_JWT_CACHE_TTL: '30s' })).toEqual({
      maxEntries: 0,
      maxAgeSeconds: 30,
    });
    expect(() => tokenCacheFromEnv({ LIFEGRAPH_JWT_CACHE_SIZE: 'lots' })).toThrow(/LIFEGRAPH_JWT_CACHE_SIZE/);
    expect(() => tokenCacheFromEnv({ LIFEGRAPH_JWT_CACHE_TTL: '5 minutes' })).toThrow(/LIFEGRAPH_JWT_CACHE_TTL/);
    expect(operationCacheSizeFromEnv({})).toBe(1_000);
    expect(() => operationCacheSizeFromEnv({ LIFEGRAPH_OPERATION_CACHE_SIZE: '-1' })).toThrow(
      /LIFEGRAPH_OPERATION_CACHE_SIZE/,
    );
  });
});

describe('the authorization cache', () => {
  const schema = buildSchema('type Query { open: Int, finance: Int, signedIn: Int }');
  const policy = {
    fields: new Map([
      ['Query.finance', { authenticated: true, scopes: [['merchant:finance']] }],
      ['Query.signedIn', { authenticated: true, scopes: null }],
    ]),
    types: new Map(),
  };

  /** An authorizing gateway over an executor that answers every field it is sent with 1, noting what it got. */
  async function authorizing(cacheSize: number) {
    const sent: string[] = [];
    const inner: GatewayExecutor = async (request) => {
      const operation = request.operation;
      sent.push(request.source);
      const data: Record<string, number> = {};
      for (const s of operation.selectionSet.selections) {
        if (s.kind === 'Field') data[s.alias?.value ?? s.name.value] = 1;
      }
      return { data };
    };
    const gateway = new AuthorizingGateway(
      { load: async () => ({ executor: inner }) } as unknown as ApolloGateway,
      policy,
      cacheSize,
      () => inner,
    );
    const { executor } = await gateway.load({ apollo: { key: '', keyHash: '', graphRef: '', schemaId: '' } } as never);
    const run = (document: DocumentNode, identity: Identity) =>
      (executor as GatewayExecutor)({
        schema,
        document,
        operation: getOperationAST(document),
        source: 'original',
        queryHash: 'original',
        context: { identity, requestId: 'r' },
      } as unknown as GatewayGraphQLRequestContext);
    return { gateway, run, sent };
  }

  const FINANCE = staff('usr_0001', ['merchant:finance'], ['mer_kfc']);

  it('never gives one access shape the result of another: scopes and kind are the key, not the user', async () => {
    const { gateway, run, sent } = await authorizing(100);
    const document = parse('{ open finance signedIn }');
    const anonymous: Identity = { kind: 'anonymous', subject: null, scopes: [], merchantIds: [] };
    const rounds: [Identity, unknown][] = [
      [FINANCE, { open: 1, finance: 1, signedIn: 1 }],
      [ALICE, { open: 1, finance: null, signedIn: 1 }],
      [anonymous, { open: 1, finance: null, signedIn: null }],
      [FINANCE, { open: 1, finance: 1, signedIn: 1 }],
      [BOB, { open: 1, finance: null, signedIn: 1 }],
      [partner('key_1', ['merchant:finance'], ['mer_kfc']), { open: 1, finance: 1, signedIn: 1 }],
      [anonymous, { open: 1, finance: null, signedIn: null }],
    ];
    for (const [identity, data] of rounds) {
      const result = await run(document, identity);
      expect(result.data).toEqual(data);
    }
    expect(sent[0]).toBe('original');
    expect(sent[3]).toBe('original');
    expect(sent[1]).not.toBe('original');
    expect(sent[1]).toBe(sent[4]);
    // Shapes: finance user, plain user, anonymous, finance partner. Alice and Bob share one.
    expect(gateway.cachedOperations).toBe(4);
  });

  it('holds at most its size, and nothing with size 0', async () => {
    const bounded = await authorizing(3);
    const off = await authorizing(0);
    for (let i = 0; i < 10; i += 1) {
      const document = parse(`{ a${i}: finance open }`);
      expect((await bounded.run(document, ALICE)).data).toEqual({ [`a${i}`]: null, open: 1 });
      expect((await off.run(document, ALICE)).data).toEqual({ [`a${i}`]: null, open: 1 });
    }
    expect([bounded.gateway.cachedOperations, off.gateway.cachedOperations]).toEqual([3, 0]);
  });
});
