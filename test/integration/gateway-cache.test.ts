import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../gateway/keys/store.ts';
import { denials, useTestGraph, withKey } from '../support/graph.ts';
import { ALICE, KFC_FINANCE_STAFF } from '../support/identities.ts';

/**
 * The gateway's caches (verified user tokens, authorization results, costs) are on by default, as in the graph
 * these tests run: a cached verification or authorization must never outlive what it was derived from.
 */
const graph = useTestGraph();
let keys: ApiKeyStore;
beforeAll(() => {
  // The test's own connection: the gateway's key store is another one.
  keys = new ApiKeyStore(graph.dataDir);
});
afterAll(() => {
  keys?.close();
});

const run = promisify(execFile);
const tsx = path.resolve('node_modules/.bin/tsx');
const MERCHANT = '{ merchant(id: "mer_kfc") { name settlementRateBps } }';
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

// API keys are not cached (one indexed read per request); the revocation tests guard that no cache ever delays one.
describe('with the caches on', () => {
  it('a key revoked by `npm run keys -- revoke` in another process is refused on the very next request', async () => {
    const { key, summary } = keys.create({
      name: 'p',
      scopes: ['merchant:finance'],
      merchants: ['mer_kfc'],
      expiresAt: null,
    });
    for (let i = 0; i < 3; i += 1) {
      const { status, body } = await graph.query(MERCHANT, withKey(key));
      expect(status).toBe(200);
      expect(body.data.merchant).toEqual({ name: 'KFC', settlementRateBps: 110 });
    }
    const revoked = await run(tsx, ['gateway/cli/keys.ts', 'revoke', summary.id, '--data-dir', graph.dataDir]);
    expect(revoked.stdout.trim()).toBe(`revoked ${summary.id}`);
    const { status, body } = await graph.query(MERCHANT, withKey(key));
    expect(status).toBe(401);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.message).toMatch(/revoked/);
  });

  it('a key revoked through another connection is refused on the very next request', async () => {
    const { key, summary } = keys.create({
      name: 'q',
      scopes: ['merchant:finance'],
      merchants: ['mer_kfc'],
      expiresAt: null,
    });
    expect((await graph.query(MERCHANT, withKey(key))).status).toBe(200);
    expect(keys.revoke(summary.id)).toBe(true);
    expect((await graph.query(MERCHANT, withKey(key))).status).toBe(401);
  });

  it('a user token verified while valid is refused once it has expired', async () => {
    const token = await graph.tokenFor({ user: 'usr_alice', expiresIn: '2s' });
    for (let i = 0; i < 3; i += 1) expect((await graph.query('{ me { id } }', bearer(token))).status).toBe(200);
    const exp = decodeJwt(token).exp as number;
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    const { status, body } = await graph.query('{ me { id } }', bearer(token));
    expect(status).toBe(401);
    expect(body.errors?.[0]?.message).toMatch(/has expired/);
  });

  it('one operation is authorized per scopes and kind: never with the result cached for another identity', async () => {
    const finance = bearer(await graph.tokenFor(KFC_FINANCE_STAFF));
    const plain = bearer(await graph.tokenFor(ALICE));
    const partnerKey = keys.create({ name: 'r', scopes: ['merchant:offers'], merchants: ['mer_kfc'], expiresAt: null });
    for (let round = 0; round < 2; round += 1) {
      const own = await graph.query(MERCHANT, finance);
      expect(own.body.data.merchant).toEqual({ name: 'KFC', settlementRateBps: 110 });
      expect(own.body.errors).toBeUndefined();
      const user = await graph.query(MERCHANT, plain);
      expect(user.body.data.merchant).toEqual({ name: 'KFC', settlementRateBps: null });
      expect(denials(user.body)).toEqual([['FORBIDDEN', ['merchant', 'settlementRateBps']]]);
      const anonymous = await graph.query(MERCHANT);
      expect(anonymous.body.data.merchant).toEqual({ name: 'KFC', settlementRateBps: null });
      expect(denials(anonymous.body)).toEqual([['UNAUTHENTICATED', ['merchant', 'settlementRateBps']]]);
      const partner = await graph.query(MERCHANT, withKey(partnerKey.key));
      expect(partner.body.data.merchant).toEqual({ name: 'KFC', settlementRateBps: null });
      expect(denials(partner.body)).toEqual([['FORBIDDEN', ['merchant', 'settlementRateBps']]]);
    }
  });
});
