import { createHash } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { type Identity, signIdentity, verifyIdentity } from '../../subgraphs/contract/identity.ts';

const SECRET = 'subgraph-secret-subgraph-secret-32';
const ALICE: Identity = { kind: 'user', subject: 'usr_alice', scopes: ['merchant:finance'], merchantIds: ['mer_kfc'] };
const BODY = JSON.stringify({ query: 'query($id: ID!) { iou(id: $id) { id } }', variables: { id: 'iou_1' } });
const enc = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

describe('the forwarded identity token', () => {
  it('is verified against the exact body it was signed for, as a string or the raw bytes', () => {
    const token = signIdentity(ALICE, SECRET, BODY);
    expect(verifyIdentity(token, SECRET, BODY)).toEqual(ALICE);
    expect(verifyIdentity(token, SECRET, Buffer.from(BODY))).toEqual(ALICE);
    // Same query, other variables; same operation re-serialised with other spacing; no body at all.
    expect(() => verifyIdentity(token, SECRET, BODY.replace('iou_1', 'iou_2'))).toThrow(/another request/);
    expect(() => verifyIdentity(token, SECRET, JSON.stringify(JSON.parse(BODY), null, 1))).toThrow(/another/);
    expect(() => verifyIdentity(token, SECRET)).toThrow(/another request/);
  });

  it('is a standard HS256 JWT with the same claims jose produced, and accepts jose’s tokens', async () => {
    const token = signIdentity(ALICE, SECRET, BODY, 90);
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
      issuer: 'lifegraph-gateway',
      audience: 'lifegraph-subgraph',
      algorithms: ['HS256'],
    });
    expect(protectedHeader).toEqual({ alg: 'HS256' });
    expect(payload).toMatchObject({ kind: 'user', sub: 'usr_alice', scopes: ALICE.scopes, merchantIds: ['mer_kfc'] });
    expect((payload.exp as number) - (payload.iat as number)).toBe(90);
    const fromJose = await new SignJWT({ kind: 'partner', scopes: [], merchantIds: [] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('lifegraph-gateway')
      .setAudience('lifegraph-subgraph')
      .setSubject('key_1')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(SECRET));
    expect(verifyIdentity(fromJose, SECRET)).toEqual({
      kind: 'partner',
      subject: 'key_1',
      scopes: [],
      merchantIds: [],
    });
  });

  it('is refused when signed with another secret, altered, expired, unsigned or for another audience', () => {
    expect(() => verifyIdentity(signIdentity(ALICE, 'another-secret'), SECRET)).toThrow(/signature/);
    const [header, , signature] = signIdentity(ALICE, SECRET).split('.');
    const claims = { kind: 'user', sub: 'usr_bob', scopes: [], merchantIds: [], iss: 'lifegraph-gateway' };
    const altered = `${header}.${enc({ ...claims, aud: 'lifegraph-subgraph', exp: now() + 60 })}.${signature}`;
    expect(() => verifyIdentity(altered, SECRET)).toThrow(/signature/);
    expect(() => verifyIdentity(signIdentity(ALICE, SECRET, undefined, -1), SECRET)).toThrow(/expired/);
    const unsigned = `${enc({ alg: 'none' })}.${enc({ ...claims, aud: 'lifegraph-subgraph', exp: now() + 60 })}.`;
    expect(() => verifyIdentity(unsigned, SECRET)).toThrow();
    expect(() => verifyIdentity('not-a-token', SECRET)).toThrow();
  });

  it('checks issuer and audience inside a validly signed token', async () => {
    const sign = (issuer: string, audience: string) =>
      new SignJWT({ kind: 'anonymous', scopes: [], merchantIds: [] })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setExpirationTime('1m')
        .sign(new TextEncoder().encode(SECRET));
    expect(() => verifyIdentity('', SECRET)).toThrow();
    await expect(sign('someone-else', 'lifegraph-subgraph').then((t) => verifyIdentity(t, SECRET))).rejects.toThrow(
      /issuer/,
    );
    await expect(sign('lifegraph-gateway', 'another-service').then((t) => verifyIdentity(t, SECRET))).rejects.toThrow(
      /audience/,
    );
  });

  it('carries exactly the claims JSON of { kind, scopes, merchantIds, bdy, iss, aud, sub, iat, exp }, in that order', () => {
    const identities: Identity[] = [
      ALICE,
      { kind: 'anonymous', subject: null, scopes: [], merchantIds: [] },
      { kind: 'partner', subject: 'key_"q"\u00e9\u2028', scopes: ['a', 'b\\c'], merchantIds: ['mer_1', 'mer_2'] },
    ];
    for (const identity of identities) {
      for (const body of [BODY, undefined]) {
        const token = signIdentity(identity, SECRET, body, 75);
        const payload = Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8');
        const { iat, exp } = JSON.parse(payload) as { iat: number; exp: number };
        const expected = {
          kind: identity.kind,
          scopes: identity.scopes,
          merchantIds: identity.merchantIds,
          ...(body !== undefined ? { bdy: createHash('sha256').update(body).digest('base64url') } : {}),
          iss: 'lifegraph-gateway',
          aud: 'lifegraph-subgraph',
          ...(identity.subject ? { sub: identity.subject } : {}),
          iat,
          exp,
        };
        expect(payload).toBe(JSON.stringify(expected));
        expect(exp - iat).toBe(75);
        expect(verifyIdentity(token, SECRET, body)).toEqual(identity);
      }
    }
  });
});
