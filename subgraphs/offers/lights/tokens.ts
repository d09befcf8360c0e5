import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Placement } from './tables.ts';

/**
 * A served slot's token: what was shown (campaign, placement), to whom (viewer), at what price, until when. It is
 * signed with HMAC-SHA-256 under a key derived (HKDF) from LIFEGRAPH_SUBGRAPH_SECRET for this purpose only, so it
 * cannot be forged or altered, and a leaked slot token says nothing about the identity signatures. Recording an
 * impression or a click trusts only what the token says; each token id counts once.
 */
export interface SlotToken {
  /** The slot's id (`slt_...`): the impression's and click's key. */
  slotId: string;
  campaignId: string;
  placement: Placement;
  /** `usr_...` / `key_...` for signed-in callers, `anonymous` otherwise. */
  viewer: string;
  /** Fen per click (CPC) or per thousand impressions (CPM). */
  priceFen: number;
  expiresAt: number;
}

/** How long a served slot can still be recorded as seen or clicked. */
export const TOKEN_TTL_MS = 30 * 60_000;
const VERSION = 'lt1';

const keys = new Map<string, Buffer>();

/** The token key for a subgraph secret (derived once per secret). */
function keyFor(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secret, 'lifegraph', 'lights slot token v1', 32));
    keys.set(secret, key);
  }
  return key;
}

const mac = (secret: string, body: string) => createHmac('sha256', keyFor(secret)).update(body).digest();

/** Signs a slot token. */
export function signSlotToken(secret: string, token: SlotToken): string {
  const body = `${VERSION}.${Buffer.from(JSON.stringify(token)).toString('base64url')}`;
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

export type VerifiedToken = { ok: true; token: SlotToken } | { ok: false; code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED' };

/** Checks a token's signature, then its expiry at `now`. */
export function verifySlotToken(secret: string, text: string, now: Date): VerifiedToken {
  const parts = text.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || text.length > 2000) return { ok: false, code: 'INVALID_TOKEN' };
  const [version, payload, signature] = parts as [string, string, string];
  const expected = mac(secret, `${version}.${payload}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, code: 'INVALID_TOKEN' };
  const token = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SlotToken;
  if (now.getTime() >= token.expiresAt) return { ok: false, code: 'TOKEN_EXPIRED' };
  return { ok: true, token };
}
