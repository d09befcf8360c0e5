import type { Identity } from '../shared/identity.ts';

/** Whether the caller may see a user's coupons: only that user (a later issue may add support staff). */
export function canReadUserCoupons(identity: Identity, userId: string): boolean {
  return identity.kind === 'user' && identity.subject === userId;
}

/** Whether the caller may see a merchant's finance data (commissions): only callers acting for that merchant. */
export function canReadMerchantFinance(identity: Identity, merchantId: string): boolean {
  return identity.kind !== 'anonymous' && identity.merchantIds.includes(merchantId);
}
