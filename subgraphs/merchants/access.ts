import { forbidden, unauthenticated } from '../shared/errors.ts';
import type { Identity } from '../shared/identity.ts';

/** Throws `UNAUTHENTICATED` for anonymous callers. */
export function assertSignedIn(identity: Identity): void {
  if (identity.kind === 'anonymous') throw unauthenticated();
}

/**
 * Throws unless the caller may act for the merchant: a signed-in user or partner key whose merchant list
 * (`merchant_ids` claim or key allow-list) contains it.
 */
export function assertActsForMerchant(identity: Identity, merchantId: string): void {
  assertSignedIn(identity);
  if (!identity.merchantIds.includes(merchantId)) {
    throw forbidden(`You do not act for merchant "${merchantId}": ask its administrator to add you as staff.`);
  }
}
