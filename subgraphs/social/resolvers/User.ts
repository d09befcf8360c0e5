import { asUser, viewerOf } from '../../shared/actors.ts';
import { mapNodes, parsePage } from '../../shared/connection.ts';
import type { UserResolvers } from '../__generated__/resolvers-types.ts';
import { assertParty } from '../access.ts';

const SELF = 'the user themself';

export const User: UserResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.userById.load(ref.id),
  friends: async (user, args, ctx) => {
    assertParty(asUser(ctx.identity), [user.id], SELF);
    const page = await ctx.loaders.friendshipsByUserId.load({ parentId: user.id, page: parsePage(args) });
    return mapNodes(page, (friendship) => ctx.loaders.userById.load(friendship.friendId));
  },
  friendCount: (user, _, ctx) => ctx.loaders.friendCountByUserId.load(user.id),
  viewerIsFriend: (user, _, ctx) => {
    const viewer = viewerOf(ctx.identity);
    return viewer ? ctx.loaders.viewerIsFriendOf.load({ viewerId: viewer.userId, userId: user.id }) : false;
  },
  ious: (user, args, ctx) => {
    assertParty(asUser(ctx.identity), [user.id], SELF);
    return ctx.loaders.iousByUserId(args.status ?? null).load({ parentId: user.id, page: parsePage(args) });
  },
  groupPayments: async (user, args, ctx) => {
    assertParty(asUser(ctx.identity), [user.id], SELF);
    const page = await ctx.loaders.groupPaymentSharesByUserId.load({ parentId: user.id, page: parsePage(args) });
    return mapNodes(page, (share) => ctx.loaders.groupPaymentById.load(share.groupPaymentId));
  },
};
