import type { IncomingMessage } from 'node:http';
import type { Identity } from '../../subgraphs/contract/index.ts';
import type { BucketLimits } from './bucket.ts';
import type { RateLimitOptions } from './settings.ts';

/** Whose bucket a request draws from. */
export interface Caller {
  kind: Identity['kind'];
  /** The bucket's name: `key:<key id>`, `user:<user id>` or `ip:<address>`. */
  bucket: string;
  limits: BucketLimits;
  /** The partner key's id, for usage and metrics. */
  keyId?: string;
}

/** A partner key's own limits (`keys create --rate --bucket`), or null for the partner defaults. */
export type KeyLimits = (keyId: string) => BucketLimits | null;

/** The caller of a request: partners by key, users by id, anonymous callers by client address. */
export function callerOf(
  identity: Identity,
  clientAddress: string,
  options: RateLimitOptions,
  keyLimits?: KeyLimits,
): Caller {
  if (identity.kind === 'partner' && identity.subject) {
    const own = keyLimits?.(identity.subject) ?? null;
    return {
      kind: 'partner',
      bucket: `key:${identity.subject}`,
      limits: own ?? options.buckets.partner,
      keyId: identity.subject,
    };
  }
  if (identity.kind === 'user' && identity.subject) {
    return { kind: 'user', bucket: `user:${identity.subject}`, limits: options.buckets.user };
  }
  return { kind: 'anonymous', bucket: `ip:${clientAddress}`, limits: options.buckets.anonymous };
}

/**
 * The client's address: the socket's peer, or with `trustedProxies` proxies in front of the gateway the address the
 * outermost trusted proxy saw, read from `X-Forwarded-For` counting from the right (entries further left were
 * written by the client itself and prove nothing). With fewer entries than proxies, the leftmost one.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: number): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (trustedProxies === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const hops = [...forwarded, peer];
  return hops[Math.max(0, hops.length - 1 - trustedProxies)] ?? peer;
}
