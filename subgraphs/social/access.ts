import { forbidden } from '../contract/errors.ts';
import type { UserActor } from '../shared/actors.ts';
import type { FriendRequestRow, GroupPaymentRow, GroupPaymentShareRow, IouRow } from './context.ts';

// Who may read private social data (friend lists, IOUs, group payments): the users in it, as resolvers check with
// the user `asUser` made (so a caller who is not a user is UNAUTHENTICATED first). A refused field resolves to null.

/** FORBIDDEN unless `user` is one of `parties`; `what` names them in the message. */
export function assertParty(user: UserActor, parties: readonly string[], what: string): void {
  if (!parties.includes(user.userId)) {
    throw forbidden(`Only ${what} can see this; you are signed in as ${user.userId}.`);
  }
}

/** Whether `user` lent or borrows the money of `iou`. */
export function isIouParty(user: UserActor, iou: Pick<IouRow, 'lenderId' | 'borrowerId'>): boolean {
  return iou.lenderId === user.userId || iou.borrowerId === user.userId;
}

/** An IOU is visible to its lender and borrower only. */
export function assertIouParty(user: UserActor, iou: Pick<IouRow, 'lenderId' | 'borrowerId'>): void {
  assertParty(user, [iou.lenderId, iou.borrowerId], 'the lender and the borrower of this IOU');
}

/** A group payment is visible to its organizer and participants only. */
export function assertGroupPaymentMember(
  user: UserActor,
  payment: Pick<GroupPaymentRow, 'organizerId'>,
  shares: readonly Pick<GroupPaymentShareRow, 'userId'>[],
): void {
  assertParty(user, [payment.organizerId, ...shares.map((s) => s.userId)], 'the people in this group payment');
}

/** A friend request is visible to its sender and recipient only. */
export function assertRequestParty(user: UserActor, request: Pick<FriendRequestRow, 'fromUserId' | 'toUserId'>): void {
  assertParty(user, [request.fromUserId, request.toUserId], 'the sender and the recipient of this request');
}
