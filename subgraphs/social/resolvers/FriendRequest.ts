import { assertRequestParty } from '../access.ts';
import type { FriendRequestRow, SocialContext } from '../context.ts';

export const FriendRequest = {
  __resolveReference: async (ref: { id: string }, ctx: SocialContext) => {
    const request = await ctx.loaders.friendRequestById.load(ref.id);
    if (request) assertRequestParty(ctx.identity, request);
    return request;
  },
  from: (r: FriendRequestRow, _: unknown, ctx: SocialContext) => ctx.loaders.userById.load(r.fromUserId),
  to: (r: FriendRequestRow, _: unknown, ctx: SocialContext) => ctx.loaders.userById.load(r.toUserId),
};
