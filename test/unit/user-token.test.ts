import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserTokenVerifier, signUserToken } from '../../gateway/auth/user-token.ts';

/** User tokens verified against a JWKS with issuer and audience (production identity providers). */
let server: http.Server;
let jwksUrl: string;
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => {
  server?.close();
});

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'lifegraph';
const rs256 = (claims: { iss?: string; aud?: string; exp?: string }) =>
  new SignJWT({ scope: 'merchant:offers introspection', merchant_ids: ['mer_kfc'] })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('usr_alice')
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setExpirationTime(claims.exp ?? '5m')
    .sign(privateKey);

describe('JWKS verification', () => {
  const verify = () =>
    createUserTokenVerifier({ secret: 'unused-hs256-secret', jwksUrl, issuer: ISSUER, audience: AUDIENCE });

  it('accepts a token signed by a JWKS key with the right issuer and audience', async () => {
    await expect(verify()(await rs256({}))).resolves.toEqual({
      kind: 'user',
      subject: 'usr_alice',
      scopes: ['merchant:offers', 'introspection'],
      merchantIds: ['mer_kfc'],
    });
  });

  it.each([
    ['another issuer', { iss: 'https://evil.example.test/' }],
    ['another audience', { aud: 'other-api' }],
  ])('rejects %s', async (_name, claims) => {
    await expect(verify()(await rs256(claims))).rejects.toThrow();
  });

  it('rejects an HS256 token signed with the configured secret (no algorithm confusion)', async () => {
    const token = await signUserToken(
      { userId: 'usr_alice' },
      { secret: 'unused-hs256-secret', issuer: ISSUER, audience: AUDIENCE },
    );
    await expect(verify()(token)).rejects.toThrow();
  });

  it('requires a subject', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(privateKey);
    await expect(verify()(token)).rejects.toThrow(/subject/);
  });
});
