import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import type { Identity } from '../../subgraphs/shared/identity.ts';

/** How user JWTs are verified: HS256 with a shared secret by default, or a JWKS URL with issuer/audience. */
export interface UserTokenConfig {
  /** HS256 secret (`LIFEGRAPH_JWT_SECRET`, or generated in the data directory in development). */
  secret: string;
  /** When set, tokens are verified against this JWKS (RS256/ES256/...) instead of the secret. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

/** Reads the optional JWKS/issuer/audience settings from the environment. */
export function userTokenConfigFromEnv(secret: string): UserTokenConfig {
  return {
    secret,
    jwksUrl: process.env.LIFEGRAPH_JWT_JWKS_URL || undefined,
    issuer: process.env.LIFEGRAPH_JWT_ISSUER || undefined,
    audience: process.env.LIFEGRAPH_JWT_AUDIENCE || undefined,
  };
}

/** Builds a verifier once (a JWKS is fetched and cached by jose, not per request). */
export function createUserTokenVerifier(config: UserTokenConfig): (token: string) => Promise<Identity> {
  const jwks: JWTVerifyGetKey | null = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl)) : null;
  const secret = new TextEncoder().encode(config.secret);
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    // Pinning the algorithms is what refuses `alg: none` and algorithm-confusion tokens.
    algorithms: jwks ? ['RS256', 'ES256', 'PS256', 'EdDSA'] : ['HS256'],
  };
  return async (token) => {
    const { payload } = jwks ? await jwtVerify(token, jwks, options) : await jwtVerify(token, secret, options);
    return identityFromClaims(payload);
  };
}

function identityFromClaims(payload: JWTPayload): Identity {
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('token has no subject (sub)');
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
