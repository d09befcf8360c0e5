import { forbidden, unauthenticated } from '../contract/errors.ts';
import type { Identity } from '../contract/identity.ts';
import { SCOPES } from '../contract/scopes.ts';
import { asMerchant, asUser, requireScope } from '../shared/actors.ts';

/** What a user follows and favorites is private: only that user may read it. */
export function assertCanReadUserLists(identity: Identity, userId: string): void {
  if (asUser(identity).userId !== userId) {
    throw forbidden('Only the user themself can see what they follow and favorite.');
  }
}

/**
 * Checked before anything is looked up, so a caller who could never publish learns nothing from
 * NOT_FOUND or INVALID_INPUT: anonymous is UNAUTHENTICATED, a missing `merchant:content` scope FORBIDDEN.
 * An identity without a subject is UNAUTHENTICATED too: a post or stream records who published it, and
 * idempotency keys are kept per caller.
 */
export function requirePublisher(identity: Identity): void {
  if (!identity.subject) throw unauthenticated();
  requireScope(identity, SCOPES.content);
}

/**
 * Merchant staff and partner keys publish only to the life account of a merchant they act for. CREATOR,
 * GOVERNMENT and SERVICE accounts have no merchant, so nobody publishes to them through this API.
 */
export function requirePublishingAccess(identity: Identity, account: { id: string; merchantId: string | null }): void {
  if (!account.merchantId) {
    requirePublisher(identity);
    throw forbidden(
      `Life account ${account.id} belongs to no merchant: merchant staff and partners publish only to their merchants' BRAND accounts.`,
    );
  }
  asMerchant(identity, account.merchantId, SCOPES.content);
}
