import { createHmac, createSecretKey, hash, type KeyObject, timingSafeEqual } from 'node:crypto';

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

/** The protected header of every forwarded identity: a standard HS256 JWT in compact form. */
const JWT_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');

/** The claims every forwarded identity carries, between the caller's and the subject. */
const FIXED_CLAIMS = `,"iss":${JSON.stringify(ISSUER)},"aud":${JSON.stringify(AUDIENCE)}`;

/** HMAC keys by secret, imported once: a process signs or verifies with one or two secrets for its lifetime. */
const hmacKeys = new Map<string, KeyObject>();
const MAX_HMAC_KEYS = 8;

/** HMAC-SHA-256 of `input` with `secret`, base64url: the JWT's signature part (synchronous, no key import per call). */
function hs256(input: string, secret: string): string {
  let key = hmacKeys.get(secret);
  if (!key) {
    if (hmacKeys.size >= MAX_HMAC_KEYS) hmacKeys.clear();
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    hmacKeys.set(secret, key);
  }
  return createHmac('sha256', key).update(input).digest('base64url');
}

/**
 * Signs an identity for the subgraphs, bound to `body`, the exact request body the gateway sends, when given.
 * Everything the subgraph trusts lives inside the signed token, so no header can be altered without breaking
 * the signature.
 */
export function signIdentity(
  identity: Identity,
  secret: string,
  body?: string,
  ttlSeconds = MIN_IDENTITY_TTL_SECONDS,
): string {
  const now = Math.floor(Date.now() / 1000);
  // The claims' JSON written out, byte for byte what JSON.stringify of { kind, scopes, merchantIds, bdy?, iss,
  // aud, sub?, iat, exp } gives, without building that object (and its spreads) for every fetch.
  let claims = `{"kind":${JSON.stringify(identity.kind)},"scopes":${JSON.stringify(identity.scopes)},"merchantIds":${JSON.stringify(identity.merchantIds)}`;
  if (body !== undefined) claims += `,"bdy":"${bodyDigest(body)}"`;
  claims += FIXED_CLAIMS;
  if (identity.subject) claims += `,"sub":${JSON.stringify(identity.subject)}`;
  claims += `,"iat":${now},"exp":${now + ttlSeconds}}`;
  const input = `${JWT_HEADER}.${Buffer.from(claims).toString('base64url')}`;
  return `${input}.${hs256(input, secret)}`;
}

/**
 * Verifies a forwarded identity against `body`, the raw request body it came with; throws when the token is
 * not an HS256 JWT signed with `secret`, or its issuer, audience, expiry or body binding is wrong.
 */
export function verifyIdentity(token: string, secret: string, body?: Buffer | string): Identity {
  const parts = token.split('.');
  const [header, payload, signature] = parts;
  if (parts.length !== 3 || !header || !payload || !signature) throw new Error('not a compact JWT');
  const protectedHeader = decodeJsonPart(header);
  if (protectedHeader.alg !== 'HS256' || protectedHeader.crit !== undefined) throw new Error('not an HS256 JWT');
  const expected = Buffer.from(hs256(`${header}.${payload}`, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('bad signature');
  const claims = decodeJsonPart(payload);
  const now = Math.floor(Date.now() / 1000);
  if (claims.iss !== ISSUER) throw new Error('wrong issuer');
  if (claims.aud !== AUDIENCE && !(Array.isArray(claims.aud) && claims.aud.includes(AUDIENCE))) {
    throw new Error('wrong audience');
  }
  // Every token the gateway signs expires; one without `exp` would be valid forever, so it is refused.
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw new Error('expired');
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now)) {
    throw new Error('not yet valid');
  }
  // The gateway binds each signature to the exact body it sends: a captured header is useless with any other
  // query or variables, even within its minute of validity.
  if (claims.bdy !== undefined && (body === undefined || claims.bdy !== bodyDigest(body))) {
    throw new Error('identity was signed for another request');
  }
  const kind = claims.kind;
  if (kind !== 'anonymous' && kind !== 'user' && kind !== 'partner') throw new Error('unknown identity kind');
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    kind,
    subject: typeof claims.sub === 'string' ? claims.sub : null,
    scopes: strings(claims.scopes),
    merchantIds: strings(claims.merchantIds),
  };
}

/** A JWT part decoded as a JSON object; throws on anything else. */
function decodeJsonPart(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  return value as Record<string, unknown>;
}

/** SHA-256 of a request body, base64url: what a signature is bound to, hashed from the bytes both sides see. */
export function bodyDigest(body: Buffer | string): string {
  // One-shot: no Hash object per digest (the same bytes as createHash('sha256').update(body).digest('base64url')).
  return hash('sha256', body, 'base64url');
}
