import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import { type Identity, readIntegerEnv } from '../../subgraphs/contract/index.ts';
import { parseDuration } from '../duration.ts';
import { LruMap } from './cache.ts';

/** The longest a user token may be valid for when `LIFEGRAPH_JWT_MAX_LIFETIME` is unset: 24 hours. */
export const DEFAULT_MAX_LIFETIME_SECONDS = 24 * 3600;

/** How user JWTs are verified: HS256 with a shared secret by default, or a JWKS URL with issuer/audience. */
export interface UserTokenConfig {
  /** HS256 secret (`LIFEGRAPH_JWT_SECRET`, or generated in the data directory in development). */
  secret: string;
  /** When set, tokens are verified against this JWKS (RS256/ES256/...) instead of the secret. */
  jwksUrl?: string;
  /** Checked whenever set, for HS256 and JWKS tokens alike. */
  issuer?: string;
  audience?: string;
  /** Longest accepted validity, from issue (or now, without `iat`) to `exp` (default 24 h). */
  maxLifetimeSeconds?: number;
  /** How verified tokens are remembered (DEFAULT_TOKEN_CACHE when not given). */
  cache?: TokenCacheOptions;
}

/**
 * Verified tokens are remembered by their text, each until its own `exp` and at most `maxAgeSeconds`, so a
 * repeated token is not verified again (jose costs about 0.2 ms a token). Refused tokens are never remembered.
 */
export interface TokenCacheOptions {
  /** Most tokens remembered (`LIFEGRAPH_JWT_CACHE_SIZE`); 0 turns the cache off. */
  maxEntries: number;
  /** Longest a verification is reused (`LIFEGRAPH_JWT_CACHE_TTL`): bounds how long a key the JWKS drops still counts. */
  maxAgeSeconds: number;
}

/** 10 000 tokens (a few MB) for at most 5 minutes each. */
export const DEFAULT_TOKEN_CACHE: TokenCacheOptions = { maxEntries: 10_000, maxAgeSeconds: 300 };

/** A user token the gateway refuses; the message says what is wrong with it, for the 401 the caller gets. */
export class InvalidUserToken extends Error {}

/** Reads the optional JWKS/issuer/audience/maximum lifetime settings from the environment. */
export function userTokenConfigFromEnv(secret: string): UserTokenConfig {
  return {
    secret,
    jwksUrl: process.env.LIFEGRAPH_JWT_JWKS_URL || undefined,
    issuer: process.env.LIFEGRAPH_JWT_ISSUER || undefined,
    audience: process.env.LIFEGRAPH_JWT_AUDIENCE || undefined,
    maxLifetimeSeconds: maxLifetimeFromEnv(),
    cache: tokenCacheFromEnv(),
  };
}

/** `LIFEGRAPH_JWT_CACHE_SIZE` (a count, 0 = off) and `LIFEGRAPH_JWT_CACHE_TTL` (a duration); fails fast on anything else. */
export function tokenCacheFromEnv(env: NodeJS.ProcessEnv = process.env): TokenCacheOptions {
  const maxEntries = readIntegerEnv('LIFEGRAPH_JWT_CACHE_SIZE', {
    defaultValue: DEFAULT_TOKEN_CACHE.maxEntries,
    min: 0,
    env,
  });
  const raw = env.LIFEGRAPH_JWT_CACHE_TTL?.trim();
  if (!raw) return { maxEntries, maxAgeSeconds: DEFAULT_TOKEN_CACHE.maxAgeSeconds };
  const ms = parseDuration(raw);
  if (!ms) throw new Error(`LIFEGRAPH_JWT_CACHE_TTL must be a duration such as 5m or 30s; got "${raw}".`);
  return { maxEntries, maxAgeSeconds: ms / 1000 };
}

/** `LIFEGRAPH_JWT_MAX_LIFETIME` (a duration such as `24h` or `30m`) in seconds; fails fast on anything else. */
export function maxLifetimeFromEnv(): number {
  const raw = process.env.LIFEGRAPH_JWT_MAX_LIFETIME;
  if (!raw) return DEFAULT_MAX_LIFETIME_SECONDS;
  const ms = parseDuration(raw);
  if (!ms) throw new Error(`LIFEGRAPH_JWT_MAX_LIFETIME must be a duration such as 24h, 30m or 7d; got "${raw}".`);
  return ms / 1000;
}

/** A lifetime in seconds as people write it (`24h`, `90m`, `45s`). */
export function formatLifetime(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Verifies a user token; `cachedTokens` is how many verified tokens it remembers (tests check the bound). */
export type UserTokenVerifier = ((token: string) => Promise<Identity>) & { readonly cachedTokens: number };

/**
 * Builds a verifier once (a JWKS is fetched and cached by jose, not per request). A token verified before is
 * answered from the cache until its `exp` (jose's own test: valid while now < exp) or the cache's age limit.
 */
export function createUserTokenVerifier(config: UserTokenConfig): UserTokenVerifier {
  const verify = createUncachedVerifier(config);
  const { maxEntries, maxAgeSeconds } = config.cache ?? DEFAULT_TOKEN_CACHE;
  const verified = new LruMap<string, { identity: Identity; until: number }>(maxEntries);
  const cachingVerify = async (token: string) => {
    const now = Date.now();
    const hit = verified.get(token);
    if (hit && now < hit.until) return hit.identity;
    if (hit) verified.delete(token);
    const { identity, exp } = await verify(token);
    verified.set(token, { identity, until: Math.min(exp * 1000, now + maxAgeSeconds * 1000) });
    return identity;
  };
  return Object.defineProperty(cachingVerify, 'cachedTokens', { get: () => verified.size }) as UserTokenVerifier;
}

function createUncachedVerifier(
  config: UserTokenConfig,
): (token: string) => Promise<{ identity: Identity; exp: number }> {
  const jwks: JWTVerifyGetKey | null = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl)) : null;
  const secret = new TextEncoder().encode(config.secret);
  const maxLifetime = config.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    // A token without an expiry would be a credential forever.
    requiredClaims: ['exp'],
    // Pinning the algorithms is what refuses `alg: none` and algorithm-confusion tokens.
    algorithms: jwks ? ['RS256', 'ES256', 'PS256', 'EdDSA'] : ['HS256'],
  };
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = jwks ? await jwtVerify(token, jwks, options) : await jwtVerify(token, secret, options));
    } catch (error) {
      throw new InvalidUserToken(explain(error), { cause: error });
    }
    checkLifetime(payload, maxLifetime);
    return { identity: identityFromClaims(payload), exp: payload.exp as number };
  };
}

/** Why jose refused a token, in words for the caller (never the token's content). */
function explain(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'exp') return 'has no expiry (exp): user tokens must expire';
    if (error.claim === 'iss') return 'was not issued by the issuer this gateway trusts (iss)';
    if (error.claim === 'aud') return 'is not meant for this API (aud)';
    if (error.claim === 'nbf') return 'is not valid yet (nbf)';
    return `has an invalid ${error.claim} claim`;
  }
  if (error instanceof errors.JWKSNoMatchingKey) return 'is signed with a key the identity provider does not publish';
  return 'is invalid';
}

/**
 * The validity a token claims, from its issue time (or now, without `iat`; or now, when `iat` is in the
 * future) to its expiry, must be within the maximum, so a leaked long-lived token cannot be minted.
 */
function checkLifetime(payload: JWTPayload, maxLifetimeSeconds: number) {
  const now = Math.floor(Date.now() / 1000);
  const issued = typeof payload.iat === 'number' ? Math.min(payload.iat, now) : now;
  if ((payload.exp as number) - issued > maxLifetimeSeconds) {
    throw new InvalidUserToken(
      `is valid for longer than the ${formatLifetime(maxLifetimeSeconds)} this gateway accepts (exp - iat)`,
    );
  }
}

function identityFromClaims(payload: JWTPayload): Identity {
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidUserToken('has no subject (sub)');
  const scope = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
  const merchantIds = Array.isArray(payload.merchant_ids)
    ? payload.merchant_ids.filter((id): id is string => typeof id === 'string')
    : [];
  return { kind: 'user', subject: payload.sub, scopes: scope, merchantIds };
}

/** Signs a development user token (HS256), as `npm run token` prints it. */
export async function signUserToken(
  claims: { userId: string; scopes?: string[]; merchantIds?: string[]; expiresIn?: string },
  config: Pick<UserTokenConfig, 'secret' | 'issuer' | 'audience'>,
): Promise<string> {
  const jwt = new SignJWT({ scope: (claims.scopes ?? []).join(' '), merchant_ids: claims.merchantIds ?? [] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '1h');
  if (config.issuer) jwt.setIssuer(config.issuer);
  if (config.audience) jwt.setAudience(config.audience);
  return jwt.sign(new TextEncoder().encode(config.secret));
}
