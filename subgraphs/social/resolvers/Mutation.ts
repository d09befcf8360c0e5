import type { SocialContext } from '../context.ts';
import { requireUser } from '../rules/access.ts';
import { type FriendRequestResponse, removeFriend, requestFriend, respondToFriendRequest } from '../rules/friends.ts';

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
};
