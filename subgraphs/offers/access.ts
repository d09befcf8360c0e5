import type { Identity } from '../contract/identity.ts';

/** Whether the caller may see a user's coupons: only that user (a later issue may add support staff). */
export function canReadUserCoupons(identity: Identity, userId: string): boolean {
  return identity.kind === 'user' && identity.subject === userId;
}
