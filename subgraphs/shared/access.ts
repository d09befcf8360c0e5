import { forbidden, unauthenticated } from '../contract/errors.ts';
import type { Identity } from '../contract/identity.ts';
import { SCOPES, type Scope } from '../contract/scopes.ts';

/** The signed-in user's id, or null for anonymous callers and partner keys (viewer fields are then false). */
export function viewerId(identity: Identity): string | null {
  return identity.kind === 'user' && identity.subject ? identity.subject : null;
}

/** The signed-in user's id; throws UNAUTHENTICATED for anonymous callers and partner keys (they are not users). */
export function requireUser(identity: Identity): string {
  const id = viewerId(identity);
  if (!id) throw unauthenticated('This needs a signed-in user: send Authorization: Bearer <user token>.');
  return id;
}

/**
 * The scope alone, for a merchant-side call whose merchant is not known yet (or that has none):
 * UNAUTHENTICATED for anonymous callers, FORBIDDEN when the identity does not carry `scope`.
 */
export function requireScope(identity: Identity, scope: Scope): void {
  if (identity.kind === 'anonymous') throw unauthenticated();
  if (!identity.scopes.includes(scope)) {
    throw forbidden(`This needs the "${scope}" scope; ask for a token or API key that carries it.`);
  }
}

/**
 * Defence in depth for merchant-side operations: the gateway already enforced the scope from the
 * supergraph, but a subgraph never trusts that alone. The caller must hold `scope` AND act for
 * `merchantId` (a user's `merchant_ids` claim or a partner key's allow-list).
 */
export function requireMerchantAccess(identity: Identity, merchantId: string, scope: Scope): void {
  requireScope(identity, scope);
  if (!identity.merchantIds.includes(merchantId)) {
    throw forbidden(
      `You do not act for merchant ${merchantId}: it is not in your merchant_ids or your key's allow-list.`,
    );
  }
}

/**
 * Finance data of a merchant (settlement rate, commissions, settlements): FORBIDDEN, so the field resolves
 * to null at its path, unless the caller holds `merchant:finance` AND acts for that merchant.
 */
export function requireFinanceAccess(identity: Identity, merchantId: string, what: string): void {
  if (!canActForMerchant(identity, merchantId, SCOPES.finance)) {
    throw forbidden(
      `${what} of ${merchantId} is finance data: it needs the "${SCOPES.finance}" scope and the merchant in your merchant_ids or key allow-list.`,
    );
  }
}

/** Non-throwing form of `requireMerchantAccess`, for fields that return null when access is missing. */
export function canActForMerchant(identity: Identity, merchantId: string, scope: Scope): boolean {
  return identity.kind !== 'anonymous' && identity.scopes.includes(scope) && identity.merchantIds.includes(merchantId);
}
