import { createHash } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

/** Who is calling, as verified by the gateway and forwarded to the subgraphs. */
export interface Identity {
  kind: 'anonymous' | 'user' | 'partner';
  /** `usr_...` for users; for partners the API key id (`key_...`). */
  subject: string | null;
  scopes: string[];
  /** Merchants the caller may act for: a user's `merchant_ids` claim or a partner key's allow-list. */
  merchantIds: string[];
}

export const ANONYMOUS: Identity = { kind: 'anonymous', subject: null, scopes: [], merchantIds: [] };

/** Header carrying the gateway-signed identity on every gateway → subgraph request. */
export const IDENTITY_HEADER = 'x-lifegraph-identity';

const ISSUER = 'lifegraph-gateway';
const AUDIENCE = 'lifegraph-subgraph';
/** Short-lived: a captured header stops working within a minute, so it cannot be replayed later. */
const MIN_IDENTITY_TTL_SECONDS = 60;
/** Slack beyond the fetch timeout for clock skew between the gateway's and a subgraph's host. */
const IDENTITY_TTL_MARGIN_SECONDS = 30;

/**
 * How long a forwarded identity stays valid when subgraph fetches may take up to `subgraphTimeoutMs`: it
 * must outlive the slowest fetch the gateway still waits for, or a slow answer ends in a confusing 401.
 */
export function identityTtlSeconds(subgraphTimeoutMs: number): number {
  return Math.max(MIN_IDENTITY_TTL_SECONDS, Math.ceil(subgraphTimeoutMs / 1000) + IDENTITY_TTL_MARGIN_SECONDS);
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * Signs an identity for the subgraphs. Everything the subgraph trusts lives inside the signed token,
 * so no header can be altered without breaking the signature.
 */
export async function signIdentity(
  identity: Identity,
  secret: string,
  request?: SignedRequest,
  ttlSeconds = MIN_IDENTITY_TTL_SECONDS,
): Promise<string> {
  const jwt = new SignJWT({
    kind: identity.kind,
    scopes: identity.scopes,
    merchantIds: identity.merchantIds,
    ...(request ? { bdy: requestDigest(request) } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`);
  if (identity.subject) jwt.setSubject(identity.subject);
  return jwt.sign(key(secret));
}

/** Verifies a forwarded identity; throws when the signature, issuer, audience or expiry is wrong. */
export async function verifyIdentity(token: string, secret: string, request?: SignedRequest): Promise<Identity> {
  const { payload } = await jwtVerify(token, key(secret), {
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['HS256'],
  });
  // The gateway binds each signature to the exact operation it sends: a captured header is useless
  // with any other query or variables, even within its minute of validity.
  if (payload.bdy !== undefined && (!request || payload.bdy !== requestDigest(request))) {
    throw new Error('identity was signed for another request');
  }
  const kind = payload.kind;
  if (kind !== 'anonymous' && kind !== 'user' && kind !== 'partner') throw new Error('unknown identity kind');
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    kind,
    subject: typeof payload.sub === 'string' ? payload.sub : null,
    scopes: strings(payload.scopes),
    merchantIds: strings(payload.merchantIds),
  };
}

/** The part of a subgraph request an identity signature is bound to. */
export interface SignedRequest {
  query?: string;
  variables?: Record<string, unknown> | null;
}

/** SHA-256 of the query and its variables, as both the gateway and the subgraph serialise them. */
export function requestDigest(request: SignedRequest): string {
  return createHash('sha256')
    .update(request.query ?? '')
    .update('\n')
    .update(JSON.stringify(request.variables ?? null))
    .digest('base64url');
}
