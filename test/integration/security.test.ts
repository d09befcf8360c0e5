import path from 'node:path';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { IDENTITY_HEADER, signIdentity } from '../../subgraphs/contract/identity.ts';
import { type As, denials, type GraphQLResponseBody, TEST_SECRETS, useTestGraph, withKey } from '../support/graph.ts';
import {
  ALICE,
  CAROL,
  KFC_CONTENT_STAFF,
  KFC_FINANCE_STAFF,
  NEWHOPE_FINANCE_STAFF,
  NEWHOPE_OFFERS_STAFF,
} from '../support/identities.ts';
import { postToSubgraph, signedIdentityHeader } from '../support/subgraph.ts';

/**
 * The access matrix of issue #3 through the real gateway: each row asserts the HTTP status, the error
 * code and path, the data that did come back, and that nothing changed when the call was refused.
 */
let keys: ApiKeyStore;
const AUDIENCE = 'lifegraph-api';
const graph = useTestGraph({ userTokens: { audience: AUDIENCE } });
beforeAll(() => {
  keys = new ApiKeyStore(graph.dataDir);
});
afterAll(() => {
  keys?.close();
});

const newKey = (scopes: string[], merchants: string[], expiresAt: Date | null = null) =>
  keys.create({ name: `test ${scopes.join(',')}`, scopes, merchants, expiresAt }).key;

const FINANCE = `#graphql
  query Finance($id: ID!) { merchant(id: $id) { name settlementRateBps commissions(first: 5) { edges { node { id amount { fen } } } } } }`;

describe('reading', () => {
  it('anonymous: public catalogue yes, private and finance fields null with UNAUTHENTICATED', async () => {
    const { status, body } = await graph.query(
      '{ me { id } merchant(id: "mer_kfc") { name settlementRateBps commissions(first: 5) { edges { node { id } } } } }',
    );
    expect(status).toBe(200);
    expect(body.data.me).toBeNull();
    expect(body.data.merchant).toEqual({ name: 'KFC', settlementRateBps: null, commissions: null });
    expect(denials(body)).toEqual(
      expect.arrayContaining([
        ['UNAUTHENTICATED', ['me']],
        ['UNAUTHENTICATED', ['merchant', 'settlementRateBps']],
        ['UNAUTHENTICATED', ['merchant', 'commissions']],
      ]),
    );
  });

  it('a user reads their own data; finance fields need merchant:finance (FORBIDDEN)', async () => {
    const { status, body } = await graph.query(FINANCE, { variables: { id: 'mer_kfc' }, as: 'usr_alice' });
    expect(status).toBe(200);
    expect(body.data.merchant).toEqual({ name: 'KFC', settlementRateBps: null, commissions: null });
    expect(denials(body)).toEqual(
      expect.arrayContaining([
        ['FORBIDDEN', ['merchant', 'settlementRateBps']],
        ['FORBIDDEN', ['merchant', 'commissions']],
      ]),
    );
    const me = await graph.query('{ me { id } }', { as: 'usr_alice' });
    expect(me.body).toEqual({ data: { me: { id: 'usr_alice' } } });
  });

  it('another user reading the first user’s IOU gets null and FORBIDDEN at its path', async () => {
    const query = '{ iou(id: "iou_bob_alice") { id principal { fen } } }';
    const carol = await graph.query(query, { as: 'usr_carol' });
    expect(carol.status).toBe(200);
    expect(carol.body.data).toEqual({ iou: null });
    expect(denials(carol.body)).toEqual([['FORBIDDEN', ['iou']]]);
    const alice = await graph.query(query, { as: 'usr_alice' });
    expect(alice.body.data.iou).toEqual({ id: 'iou_bob_alice', principal: { fen: 8800 } });
  });

  it('staff of the merchant with merchant:finance read its finance data; staff of another merchant do not', async () => {
    const own = await graph.query(FINANCE, { variables: { id: 'mer_kfc' }, as: KFC_FINANCE_STAFF });
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data.merchant.settlementRateBps).toBe(110);
    expect(own.body.data.merchant.commissions).toEqual({ edges: expect.any(Array) });
    const other = await graph.query(FINANCE, {
      variables: { id: 'mer_kfc' },
      as: NEWHOPE_FINANCE_STAFF,
    });
    expect(other.status).toBe(200);
    expect(other.body.data.merchant).toEqual({ name: 'KFC', settlementRateBps: null, commissions: null });
    expect(denials(other.body)).toEqual(
      expect.arrayContaining([
        ['FORBIDDEN', ['merchant', 'settlementRateBps']],
        ['FORBIDDEN', ['merchant', 'commissions']],
      ]),
    );
  });
});

describe('partner API keys', () => {
  it('a key with the scope and the merchant on its allow-list reads finance data', async () => {
    const key = newKey(['merchant:finance'], ['mer_kfc']);
    const { status, body } = await graph.query(FINANCE, { variables: { id: 'mer_kfc' }, ...withKey(key) });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.merchant.settlementRateBps).toBe(110);
    // Also accepted as a bearer token, and the use is recorded (off the request path, flushed within seconds).
    const bearer = await graph.query(FINANCE, {
      variables: { id: 'mer_kfc' },
      headers: { authorization: `Bearer ${key}` },
    });
    expect(bearer.body.data.merchant.settlementRateBps).toBe(110);
    await vi.waitFor(() => expect(keys.list().find((k) => key.endsWith(k.lastFour))?.lastUsedAt).toBeInstanceOf(Date), {
      timeout: 15_000,
      interval: 200,
    });
  });

  it('a key without the scope is FORBIDDEN', async () => {
    const { status, body } = await graph.query(FINANCE, {
      variables: { id: 'mer_kfc' },
      ...withKey(newKey(['merchant:content'], ['mer_kfc'])),
    });
    expect(status).toBe(200);
    expect(body.data.merchant.name).toBe('KFC');
    expect(denials(body)).toEqual(expect.arrayContaining([['FORBIDDEN', ['merchant', 'settlementRateBps']]]));
  });

  it('a key whose allow-list lacks the merchant is FORBIDDEN by the subgraph', async () => {
    const { body } = await graph.query(FINANCE, {
      variables: { id: 'mer_kfc' },
      ...withKey(newKey(['merchant:finance'], ['mer_newhope'])),
    });
    expect(body.data.merchant).toEqual({ name: 'KFC', settlementRateBps: null, commissions: null });
    expect(denials(body)).toEqual(
      expect.arrayContaining([
        ['FORBIDDEN', ['merchant', 'settlementRateBps']],
        ['FORBIDDEN', ['merchant', 'commissions']],
      ]),
    );
  });

  it('revocation applies to the very next request, even right after a successful one', async () => {
    const key = newKey(['merchant:finance'], ['mer_kfc']);
    expect((await graph.query('{ merchant(id: "mer_kfc") { name } }', withKey(key))).status).toBe(200);
    const id = keys.list().find((k) => key.endsWith(k.lastFour))?.id as string;
    expect(keys.revoke(id)).toBe(true);
    const { status, body } = await graph.query('{ merchant(id: "mer_kfc") { name } }', withKey(key));
    expect(status).toBe(401);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.errors?.[0]?.message).toMatch(/revoked/);
  });

  it.each([
    ['expired', () => newKey(['merchant:finance'], ['mer_kfc'], new Date(Date.now() - 1000)), /expired/],
    ['malformed', () => 'lg_live_short', /malformed/],
    ['unknown', () => `lg_live_${'A'.repeat(32)}`, /not recognised/],
  ])('a %s key is HTTP 401 UNAUTHENTICATED with no data', async (_name, make, message) => {
    const { status, body } = await graph.query('{ merchant(id: "mer_kfc") { name } }', withKey(make()));
    expect(status).toBe(401);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.errors?.[0]?.message).toMatch(message);
  });

  it('keys are stored only as hashes and listed without the key', () => {
    const key = newKey(['merchant:offers'], []);
    const listed = JSON.stringify(keys.list());
    expect(listed).not.toContain(key);
    expect(listed).toContain(key.slice(-4));
    const file = new Database(path.join(graph.dataDir, 'gateway.sqlite'), { readonly: true });
    const rows = JSON.stringify(file.prepare('select * from api_keys').all());
    file.close();
    expect(rows).not.toContain(key);
  });
});

describe('user tokens', () => {
  const sign = (claims: { aud?: string; alg?: string; secret?: string; exp?: number }) => {
    const jwt = new SignJWT({ scope: '' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('usr_alice')
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 600);
    if (claims.aud) jwt.setAudience(claims.aud);
    return jwt.sign(new TextEncoder().encode(claims.secret ?? TEST_SECRETS.jwtSecret));
  };
  const me = async (token: string) => graph.query('{ me { id } }', { headers: { authorization: `Bearer ${token}` } });

  it('a token for this audience works', async () => {
    expect((await me(await sign({ aud: AUDIENCE }))).body).toEqual({ data: { me: { id: 'usr_alice' } } });
  });

  it.each([
    ['for another audience', () => sign({ aud: 'another-api' })],
    ['with no audience', () => sign({})],
    ['with a wrong signature', () => sign({ aud: AUDIENCE, secret: 'wrong-secret' })],
    ['expired', () => sign({ aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) - 60 })],
    [
      'with alg: none',
      async () => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `${enc({ alg: 'none' })}.${enc({ sub: 'usr_alice', aud: AUDIENCE, exp: 9_999_999_999 })}.`;
      },
    ],
  ])('a token %s is HTTP 401 UNAUTHENTICATED with no data', async (_name, make) => {
    const { status, body } = await me(await make());
    expect(status).toBe(401);
    expect(body.data).toBeUndefined();
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('requests straight to a subgraph', () => {
  const post = (headers: Record<string, string>) =>
    postToSubgraph(graph.subgraphs.social.url, { query: '{ iou(id: "iou_bob_alice") { id } }' }, headers);

  it('with no signature: 401', async () => {
    expect((await post({ 'x-user-id': 'usr_alice' })).status).toBe(401);
  });

  it('with a stale signature: 401', async () => {
    const stale = await new SignJWT({ kind: 'user', scopes: [], merchantIds: [] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('lifegraph-gateway')
      .setAudience('lifegraph-subgraph')
      .setSubject('usr_alice')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 540)
      .sign(new TextEncoder().encode(TEST_SECRETS.subgraphSecret));
    expect((await post({ [IDENTITY_HEADER]: stale })).status).toBe(401);
  });

  it('with a valid signature but an altered identity: 401', async () => {
    const [h, p, s] = (await signIdentity(ALICE, TEST_SECRETS.subgraphSecret)).split('.');
    const payload = JSON.parse(Buffer.from(p as string, 'base64url').toString());
    const altered = Buffer.from(JSON.stringify({ ...payload, sub: 'usr_bob', scopes: ['merchant:finance'] })).toString(
      'base64url',
    );
    expect((await post({ [IDENTITY_HEADER]: `${h}.${altered}.${s}` })).status).toBe(401);
  });

  it('with a valid signature captured from another request: 401 (signatures are bound to the operation)', async () => {
    const captured = signIdentity(ALICE, TEST_SECRETS.subgraphSecret, JSON.stringify({ query: '{ me { id } }' }));
    expect((await post({ [IDENTITY_HEADER]: captured })).status).toBe(401);
    const bound = signIdentity(
      ALICE,
      TEST_SECRETS.subgraphSecret,
      JSON.stringify({ query: '{ iou(id: "iou_bob_alice") { id } }' }),
    );
    expect((await post({ [IDENTITY_HEADER]: bound })).status).toBe(200);
  });

  it('with a valid signature: answered, and the subgraph still enforces ownership', async () => {
    const ok = await post(await signedIdentityHeader(ALICE, TEST_SECRETS.subgraphSecret));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { iou: { id: 'iou_bob_alice' } } });
    const carol = await post(await signedIdentityHeader(CAROL, TEST_SECRETS.subgraphSecret));
    const body = (await carol.json()) as GraphQLResponseBody;
    expect(body.data).toEqual({ iou: null });
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('refused mutations change nothing', () => {
  const CREATE = `#graphql
    mutation Create($input: CreateCouponTemplateInput!) {
      createCouponTemplate(input: $input) { couponTemplate { id } userErrors { code } } }`;
  const input = {
    merchantId: 'mer_kfc',
    title: 'Security test coupon',
    kind: 'FIXED_AMOUNT',
    faceValueFen: 500,
    minSpendFen: 2000,
    totalStock: 10,
    perUserLimit: 1,
    claimStartsAt: new Date(Date.now() - 60_000).toISOString(),
    claimEndsAt: new Date(Date.now() + 86_400_000).toISOString(),
    validDays: 7,
  };
  const templates = () =>
    (
      graph.subgraphs.offers.database.sqlite.prepare('select count(*) as n from coupon_templates').get() as {
        n: number;
      }
    ).n;

  it.each([
    ['anonymous', {}, 'UNAUTHENTICATED'],
    ['a user without merchant:offers', { as: KFC_CONTENT_STAFF }, 'FORBIDDEN'],
    ['staff of another merchant', { as: NEWHOPE_OFFERS_STAFF }, 'FORBIDDEN'],
    ['a partner key without the scope', { key: [['merchant:content'], ['mer_kfc']] }, 'FORBIDDEN'],
    [
      'a partner key without the merchant on its allow-list',
      { key: [['merchant:offers'], ['mer_newhope']] },
      'FORBIDDEN',
    ],
  ] as const)('%s: null with %s at the mutation path, no row written', async (_name, who, code) => {
    const before = templates();
    const auth: { as?: As; headers?: Record<string, string> } =
      'key' in who ? withKey(newKey([...who.key[0]], [...who.key[1]])) : 'as' in who ? { as: who.as as As } : {};
    const { status, body } = await graph.query(CREATE, { variables: { input }, ...auth });
    expect(status).toBe(200);
    expect(body.data).toEqual({ createCouponTemplate: null });
    expect(denials(body)).toEqual([[code, ['createCouponTemplate']]]);
    expect(templates()).toBe(before);
  });

  it('the right partner key creates the template', async () => {
    const before = templates();
    const { body } = await graph.query(CREATE, {
      variables: { input },
      ...withKey(newKey(['merchant:offers'], ['mer_kfc'])),
    });
    expect(body.errors).toBeUndefined();
    expect(body.data.createCouponTemplate).toMatchObject({
      couponTemplate: { id: expect.stringMatching(/^cpt_/) },
      userErrors: [],
    });
    expect(templates()).toBe(before + 1);
  });
});
