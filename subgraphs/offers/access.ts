import { canActForMerchant, SCOPES } from '../shared/access.ts';
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
