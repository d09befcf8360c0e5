import { asUser } from '../../shared/actors.ts';
import type { MutationResolvers } from '../__generated__/resolvers-types.ts';
import { type FriendRequestResponse, removeFriend, requestFriend, respondToFriendRequest } from '../rules/friends.ts';
import { cancelGroupPayment, createGroupPayment, payGroupPaymentShare } from '../rules/group-payments.ts';
import { createIou, repayIou, respondToIou } from '../rules/ious.ts';

/** Accept, decline and cancel differ only in how the request ends. */
const respond =
  (response: FriendRequestResponse): MutationResolvers['acceptFriendRequest'] =>
  (_, { requestId }, ctx) =>
    respondToFriendRequest(ctx.db, ctx.clock.now(), asUser(ctx.identity), { requestId, response });

// Every social mutation acts for the signed-in user: partner keys and anonymous callers are UNAUTHENTICATED.
export const Mutation: MutationResolvers = {
  requestFriend: (_, args, ctx) => requestFriend(ctx.db, ctx.clock.now(), asUser(ctx.identity), args),
  acceptFriendRequest: respond('ACCEPTED'),
  declineFriendRequest: respond('DECLINED'),
  cancelFriendRequest: respond('CANCELLED'),
  removeFriend: (_, args, ctx) => removeFriend(ctx.db, ctx.clock.now(), asUser(ctx.identity), args),
  createIou: (_, { input }, ctx) => createIou(ctx.db, ctx.clock.now(), asUser(ctx.identity), input),
  confirmIou: (_, { iouId }, ctx) =>
    respondToIou(ctx.db, ctx.clock.now(), asUser(ctx.identity), { iouId, response: 'ACTIVE' }),
  declineIou: (_, { iouId }, ctx) =>
    respondToIou(ctx.db, ctx.clock.now(), asUser(ctx.identity), { iouId, response: 'DECLINED' }),
  repayIou: (_, { input }, ctx) => repayIou(ctx.db, ctx.clock.now(), asUser(ctx.identity), input),
  createGroupPayment: (_, { input }, ctx) => createGroupPayment(ctx.db, ctx.clock.now(), asUser(ctx.identity), input),
  payGroupPaymentShare: (_, { input }, ctx) =>
    payGroupPaymentShare(ctx.db, ctx.clock.now(), asUser(ctx.identity), input),
  cancelGroupPayment: (_, args, ctx) => cancelGroupPayment(ctx.db, ctx.clock.now(), asUser(ctx.identity), args),
};
