import { canActForMerchant, SCOPES, type Scope } from '../shared/access.ts';
import { forbidden, unauthenticated } from '../shared/errors.ts';
import type { Identity } from '../shared/identity.ts';

/** Whether the caller may see a user's coupons: only that user (a later issue may add support staff). */
export function canReadUserCoupons(identity: Identity, userId: string): boolean {
  return identity.kind === 'user' && identity.subject === userId;
}

/**
 * Whether the caller may see a merchant's finance data (commissions): the `merchant:finance` scope AND the
 * merchant on the caller's list. The gateway checks the scope from the supergraph; we check both again.
 */
export function canReadMerchantFinance(identity: Identity, merchantId: string): boolean {
  return canActForMerchant(identity, merchantId, SCOPES.finance);
}

/** The scope alone, for a merchant-side call whose merchant is not known yet (an unknown coupon id). */
export function requireScope(identity: Identity, scope: Scope): void {
  if (identity.kind === 'anonymous') throw unauthenticated();
  if (!identity.scopes.includes(scope)) {
    throw forbidden(`This needs the "${scope}" scope; ask for a token or API key that carries it.`);
  }
}
