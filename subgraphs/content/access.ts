import { forbidden, unauthenticated } from '../contract/errors.ts';
import type { Identity } from '../contract/identity.ts';
import { SCOPES } from '../contract/scopes.ts';
import { asMerchant, asMerchantOf, type MerchantActor, requireScope, type UserActor } from '../shared/actors.ts';
import type { LifeAccountRow } from './context.ts';

/** What a user follows and favorites is private: only that user may read it. */
export function assertCanReadUserLists(viewer: UserActor, userId: string): void {
  if (viewer.userId !== userId) {
    throw forbidden('Only the user themself can see what they follow and favorite.');
  }
}

/**
 * Checked before anything is looked up, so a caller who could never publish learns nothing from NOT_FOUND or
 * INVALID_INPUT: anonymous is UNAUTHENTICATED, a missing `merchant:content` scope FORBIDDEN. An identity without a
 * subject is UNAUTHENTICATED too: a post or stream records who published it. `asPublisher` checks it again, so it is
 * safe on its own; resolvers call this first only to refuse before they load the account.
 */
export function requirePublisher(identity: Identity): void {
  if (!identity.subject) throw unauthenticated();
  requireScope(identity, SCOPES.content);
}

/**
 * Who publishes to `account` (a post, or a live stream of it): staff or a partner key acting for the account's
 * merchant with `merchant:content`. CREATOR, GOVERNMENT and SERVICE accounts have no merchant, so nobody publishes to
 * them through this API (FORBIDDEN). An unknown account has no merchant to act for (see `asMerchantOf`): the rule,
 * which finds no account, answers NOT_FOUND.
 */
export function asPublisher(
  identity: Identity,
  account: Pick<LifeAccountRow, 'id' | 'merchantId'> | null | undefined,
): MerchantActor {
  requirePublisher(identity);
  if (!account) return asMerchantOf(identity, null, SCOPES.content);
  if (!account.merchantId) {
    throw forbidden(
      `Life account ${account.id} belongs to no merchant: merchant staff and partners publish only to their merchants' BRAND accounts.`,
    );
  }
  return asMerchant(identity, account.merchantId, SCOPES.content);
}
