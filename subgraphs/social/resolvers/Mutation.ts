import { requireUser } from '../access.ts';
import type { SocialContext } from '../context.ts';
import { type FriendRequestResponse, removeFriend, requestFriend, respondToFriendRequest } from '../rules/friends.ts';
import {
  type CreateGroupPaymentInput,
  cancelGroupPayment,
  createGroupPayment,
  type PayGroupPaymentShareInput,
  payGroupPaymentShare,
} from '../rules/group-payments.ts';
import { type CreateIouInput, createIou, type RepayIouInput, repayIou, respondToIou } from '../rules/ious.ts';

const respond =
  (response: FriendRequestResponse) =>
  (_: unknown, { requestId }: { requestId: string }, ctx: SocialContext) =>
    respondToFriendRequest(ctx.db, ctx.clock.now(), { viewerId: requireUser(ctx.identity), requestId, response });

/** A mutation changed a group payment's shares: later fields of this request must not read a cached list. */
function fresh<T extends { groupPayment: { id: string } | null }>(ctx: SocialContext, result: T): T {
  if (result.groupPayment) ctx.loaders.sharesByGroupPaymentId.clear(result.groupPayment.id);
  return result;
}

export const Mutation = {
  requestFriend: (_: unknown, { userId }: { userId: string }, ctx: SocialContext) =>
    requestFriend(ctx.db, ctx.clock.now(), { viewerId: requireUser(ctx.identity), userId }),
  acceptFriendRequest: respond('ACCEPTED'),
  declineFriendRequest: respond('DECLINED'),
  cancelFriendRequest: respond('CANCELLED'),
  removeFriend: (_: unknown, { userId }: { userId: string }, ctx: SocialContext) =>
    removeFriend(ctx.db, { viewerId: requireUser(ctx.identity), userId }),
  createIou: (_: unknown, { input }: { input: CreateIouInput }, ctx: SocialContext) =>
    createIou(ctx.db, ctx.clock.now(), requireUser(ctx.identity), input),
  confirmIou: (_: unknown, { iouId }: { iouId: string }, ctx: SocialContext) =>
    respondToIou(ctx.db, ctx.clock.now(), requireUser(ctx.identity), { iouId, response: 'ACTIVE' }),
  declineIou: (_: unknown, { iouId }: { iouId: string }, ctx: SocialContext) =>
    respondToIou(ctx.db, ctx.clock.now(), requireUser(ctx.identity), { iouId, response: 'DECLINED' }),
  repayIou: (_: unknown, { input }: { input: RepayIouInput }, ctx: SocialContext) => {
    const result = repayIou(ctx.db, ctx.clock.now(), requireUser(ctx.identity), input);
    if (result.iou) ctx.loaders.repaymentsByIouId.clear(result.iou.id);
    return result;
  },
  createGroupPayment: (_: unknown, { input }: { input: CreateGroupPaymentInput }, ctx: SocialContext) =>
    fresh(ctx, createGroupPayment(ctx.db, ctx.clock.now(), requireUser(ctx.identity), input)),
  payGroupPaymentShare: (_: unknown, { input }: { input: PayGroupPaymentShareInput }, ctx: SocialContext) =>
    fresh(ctx, payGroupPaymentShare(ctx.db, ctx.clock.now(), requireUser(ctx.identity), input)),
  cancelGroupPayment: (_: unknown, { id }: { id: string }, ctx: SocialContext) =>
    fresh(ctx, cancelGroupPayment(ctx.db, ctx.clock.now(), requireUser(ctx.identity), id)),
};
