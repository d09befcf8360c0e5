import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createUserTokenVerifier,
  DEFAULT_MAX_LIFETIME_SECONDS,
  maxLifetimeFromEnv,
  signUserToken,
} from '../../gateway/auth/user-token.ts';

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

describe('expiry and lifetime (HS256 and JWKS alike)', () => {
  const SECRET = 'unit-test-hs256-secret-0123456789abcdef';
  const hs256 = new TextEncoder().encode(SECRET);
  const now = () => Math.floor(Date.now() / 1000);
  const verifyHs256 = (config: { issuer?: string; audience?: string; maxLifetimeSeconds?: number } = {}) =>
    createUserTokenVerifier({ secret: SECRET, ...config });

  it('refuses a token without exp, saying it must expire', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('usr_alice').sign(hs256);
    await expect(verifyHs256()(token)).rejects.toThrow('has no expiry (exp): user tokens must expire');
    const jwksToken = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('usr_alice')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(privateKey);
    const jwks = createUserTokenVerifier({ secret: SECRET, jwksUrl, issuer: ISSUER, audience: AUDIENCE });
    await expect(jwks(jwksToken)).rejects.toThrow(/has no expiry/);
  });

  it('accepts exactly the maximum lifetime (24 h by default) and refuses a second more', async () => {
    const withLifetime = (seconds: number, iat: number | null = now()) => {
      const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('usr_alice');
      if (iat !== null) jwt.setIssuedAt(iat);
      return jwt.setExpirationTime((iat ?? now()) + seconds).sign(hs256);
    };
    await expect(verifyHs256()(await withLifetime(86_400))).resolves.toMatchObject({ subject: 'usr_alice' });
    await expect(verifyHs256()(await withLifetime(86_401))).rejects.toThrow(
      'is valid for longer than the 24h this gateway accepts',
    );
    // Without iat the lifetime counts from now; a configured maximum replaces the default.
    await expect(verifyHs256()(await withLifetime(2 * 86_400, null))).rejects.toThrow(/longer than the 24h/);
    await expect(verifyHs256({ maxLifetimeSeconds: 1800 })(await withLifetime(3600))).rejects.toThrow(
      /longer than the 30m/,
    );
    // With iat the lifetime counts from it, not from now: what is left of it does not matter.
    await expect(verifyHs256()(await withLifetime(86_400 + 10, now() - 20))).rejects.toThrow(/longer than the 24h/);
    await expect(verifyHs256()(await withLifetime(86_000, now() - 3600))).resolves.toMatchObject({
      subject: 'usr_alice',
    });
  });

  it('checks issuer and audience for HS256 tokens whenever they are configured', async () => {
    const config = { issuer: ISSUER, audience: AUDIENCE };
    const sign = (claims: { issuer?: string; audience?: string }) =>
      signUserToken({ userId: 'usr_alice' }, { secret: SECRET, ...claims });
    await expect(verifyHs256(config)(await sign(config))).resolves.toMatchObject({ subject: 'usr_alice' });
    await expect(verifyHs256(config)(await sign({ ...config, issuer: 'https://evil.example.test/' }))).rejects.toThrow(
      'was not issued by the issuer this gateway trusts (iss)',
    );
    await expect(verifyHs256(config)(await sign({ ...config, audience: 'other-api' }))).rejects.toThrow(
      'is not meant for this API (aud)',
    );
    // Missing claims are refused too, not skipped.
    await expect(verifyHs256(config)(await sign({}))).rejects.toThrow(/\(iss\)/);
    await expect(verifyHs256(config)(await sign({ issuer: ISSUER }))).rejects.toThrow(/\(aud\)/);
  });

  // A failing assertion below must not leave its stubbed variable to the tests that run after it.
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('LIFEGRAPH_JWT_MAX_LIFETIME is a duration; anything else stops the start', () => {
    vi.stubEnv('LIFEGRAPH_JWT_MAX_LIFETIME', '90m');
    expect(maxLifetimeFromEnv()).toBe(5400);
    vi.stubEnv('LIFEGRAPH_JWT_MAX_LIFETIME', 'forever');
    expect(() => maxLifetimeFromEnv()).toThrow('LIFEGRAPH_JWT_MAX_LIFETIME must be a duration such as 24h');
    vi.unstubAllEnvs();
    expect(maxLifetimeFromEnv()).toBe(DEFAULT_MAX_LIFETIME_SECONDS);
  });
});
