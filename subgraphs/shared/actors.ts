import { forbidden, unauthenticated } from '../contract/errors.ts';
import type { Identity } from '../contract/identity.ts';
import { SCOPES, type Scope } from '../contract/scopes.ts';

/**
 * Who a rule acts for. Resolvers turn the verified `Identity` into the narrowest actor a rule needs, or refuse;
 * rules take `(db, now, actor, input)` and never see an identity, so a rule cannot forget a check it relies on.
 */
export type Actor = UserActor | MerchantActor | OperatorActor | SystemActor;

/** A signed-in user acting for themself (claiming, following, lending). */
export interface UserActor {
  kind: 'user';
  userId: string;
}

/**
 * A staff user or a partner key acting for one merchant, with one scope, both verified by `asMerchant`.
 * `callerId` is who sent the request (`usr_...` or `key_...`): what idempotency keys are stored under.
 */
export interface MerchantActor {
  kind: 'merchant';
  merchantId: string;
  scope: Scope;
  callerId: string;
}

/** A platform operator (`platform:admin`): acts on any merchant's platform terms, such as its settlement rate. */
export interface OperatorActor {
  kind: 'operator';
  callerId: string;
}

/** The platform itself: deadline jobs and seeds. */
export interface SystemActor {
  kind: 'system';
}

export const SYSTEM: SystemActor = { kind: 'system' };

/** The signed-in user, or null for anonymous callers and partner keys (viewer fields are then false). */
export function viewerOf(identity: Identity): UserActor | null {
  return identity.kind === 'user' && identity.subject ? { kind: 'user', userId: identity.subject } : null;
}

/** The signed-in user; throws UNAUTHENTICATED for anonymous callers and partner keys (they are not users). */
export function asUser(identity: Identity): UserActor {
  const user = viewerOf(identity);
  if (!user) throw unauthenticated('This needs a signed-in user: send Authorization: Bearer <user token>.');
  return user;
}

/**
 * The scope alone, for a merchant-side call whose merchant is not known (an unknown coupon to redeem):
 * UNAUTHENTICATED for anonymous callers, FORBIDDEN when the identity does not carry `scope`.
 */
export function requireScope(identity: Identity, scope: Scope): void {
  if (identity.kind === 'anonymous') throw unauthenticated();
  if (!identity.scopes.includes(scope)) {
    throw forbidden(`This needs the "${scope}" scope; ask for a token or API key that carries it.`);
  }
}

/** A platform operator: the caller holds `platform:admin` (UNAUTHENTICATED / FORBIDDEN otherwise). */
export function asOperator(identity: Identity): OperatorActor {
  requireScope(identity, SCOPES.admin);
  return { kind: 'operator', callerId: callerIdOf(identity) };
}

/**
 * Defence in depth for merchant-side operations: the gateway already enforced the scope from the supergraph, but a
 * subgraph never trusts that alone. The caller must hold `scope` AND act for `merchantId` (a user's `merchant_ids`
 * claim or a partner key's allow-list); otherwise UNAUTHENTICATED / FORBIDDEN.
 */
export function asMerchant(identity: Identity, merchantId: string, scope: Scope): MerchantActor {
  requireScope(identity, scope);
  if (!identity.merchantIds.includes(merchantId)) throw notActingFor(merchantId);
  return { kind: 'merchant', merchantId, scope, callerId: callerIdOf(identity) };
}

/**
 * `asMerchant` for an operation on an entity that may not exist (a coupon to redeem, an account to publish to): with
 * the entity's merchant it is exactly `asMerchant`; for an unknown entity (`merchantId` null) the scope alone is
 * checked, and the actor acts for no merchant (no row has the empty merchant id), so the rule answers NOT_FOUND and
 * can change nothing.
 */
export function asMerchantOf(identity: Identity, merchantId: string | null, scope: Scope): MerchantActor {
  if (merchantId !== null) return asMerchant(identity, merchantId, scope);
  requireScope(identity, scope);
  return { kind: 'merchant', merchantId: '', scope, callerId: callerIdOf(identity) };
}

/** Users and partner keys always have a subject (the gateway signs it); the kind is a last-resort key space. */
function callerIdOf(identity: Identity): string {
  return identity.subject ?? identity.kind;
}

/** FORBIDDEN: the caller does not act for `merchantId`. */
export function notActingFor(merchantId: string) {
  return forbidden(
    `You do not act for merchant ${merchantId}: it is not in your merchant_ids or your key's allow-list.`,
  );
}

/** Non-throwing form of `asMerchant`, for fields that return null when access is missing. */
function canActForMerchant(identity: Identity, merchantId: string, scope: Scope): boolean {
  return identity.kind !== 'anonymous' && identity.scopes.includes(scope) && identity.merchantIds.includes(merchantId);
}

/**
 * Finance data of a merchant (settlement rate, commissions, settlements): FORBIDDEN, so the field resolves to null at
 * its path, unless the caller holds `merchant:finance` AND acts for that merchant.
 */
export function requireFinanceAccess(identity: Identity, merchantId: string, what: string): void {
  if (!canActForMerchant(identity, merchantId, SCOPES.finance)) {
    throw forbidden(
      `${what} of ${merchantId} is finance data: it needs the "${SCOPES.finance}" scope and the merchant in your merchant_ids or key allow-list.`,
    );
  }
}

/**
 * Whose idempotency key it is: the user, or the staff user or partner key acting for a merchant. Ids carry their
 * type prefix (`usr_`, `key_`), so a user and a partner key never share a key space.
 */
export function idempotencyCaller(actor: UserActor | MerchantActor): string {
  return actor.kind === 'user' ? actor.userId : actor.callerId;
}
