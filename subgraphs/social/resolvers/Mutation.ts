import type { SocialContext } from '../context.ts';
import { requireUser } from '../rules/access.ts';
import { type FriendRequestResponse, removeFriend, requestFriend, respondToFriendRequest } from '../rules/friends.ts';
import { type CreateIouInput, createIou, type RepayIouInput, repayIou, respondToIou } from '../rules/ious.ts';

const respond =
  (response: FriendRequestResponse) =>
  (_: unknown, { requestId }: { requestId: string }, ctx: SocialContext) =>
    respondToFriendRequest(ctx.db, ctx.clock.now(), { viewerId: requireUser(ctx.identity), requestId, response });

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
  repayIou: (_: unknown, { input }: { input: RepayIouInput }, ctx: SocialContext) =>
    repayIou(ctx.db, ctx.clock.now(), requireUser(ctx.identity), input),
};
