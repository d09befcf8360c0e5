import { forbidden } from '../contract/errors.ts';
import type { Identity } from '../contract/identity.ts';
import { asUser, viewerOf } from '../shared/actors.ts';

/** The signed-in user's id; UNAUTHENTICATED for anonymous callers and partner keys (they are not users). */
export const requireUser = (identity: Identity): string => asUser(identity).userId;
/** The signed-in user's id, or null. */
export const viewerId = (identity: Identity): string | null => viewerOf(identity)?.userId ?? null;

/**
 * Private social data (friend lists, IOUs, group payments) is visible to the users in `parties` only.
 * Throws UNAUTHENTICATED without a user, FORBIDDEN for anyone else; the field then resolves to null.
 */
export function assertParty(identity: Identity, parties: readonly string[], what: string): void {
  const id = requireUser(identity);
  if (!parties.includes(id)) throw forbidden(`Only ${what} can see this; you are signed in as ${id}.`);
}

/** An IOU is visible to its lender and borrower only. */
export function assertIouParty(identity: Identity, iou: { lenderId: string; borrowerId: string }): void {
  assertParty(identity, [iou.lenderId, iou.borrowerId], 'the lender and the borrower of this IOU');
}

/** A group payment is visible to its organizer and participants only. */
export function assertGroupPaymentMember(
  identity: Identity,
  payment: { organizerId: string },
  shares: readonly { userId: string }[],
): void {
  assertParty(identity, [payment.organizerId, ...shares.map((s) => s.userId)], 'the people in this group payment');
}

/** A friend request is visible to its sender and recipient only. */
export function assertRequestParty(identity: Identity, request: { fromUserId: string; toUserId: string }): void {
  assertParty(identity, [request.fromUserId, request.toUserId], 'the sender and the recipient of this request');
}
