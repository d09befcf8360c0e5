import { asUser } from '../../shared/actors.ts';
import { loadExisting } from '../../shared/connection.ts';
import type { FriendRequestResolvers } from '../__generated__/resolvers-types.ts';
import { assertRequestParty } from '../access.ts';

export const FriendRequest: FriendRequestResolvers = {
  __resolveReference: async (ref, ctx) => {
    const request = await ctx.loaders.friendRequestById.load(ref.id);
    if (request) assertRequestParty(asUser(ctx.identity), request);
    return request;
  },
  from: (r, _, ctx) => loadExisting(ctx.loaders.userById, r.fromUserId, 'User'),
  to: (r, _, ctx) => loadExisting(ctx.loaders.userById, r.toUserId, 'User'),
};
