import { mapNodes, type PageArgs, parsePage } from '../../shared/connection.ts';
import { assertParty, viewerId } from '../access.ts';
import type { SocialContext, UserRow } from '../context.ts';
import type { IouStatus } from '../rules/iou-status.ts';

const SELF = 'the user themself';

export const User = {
  __resolveReference: (ref: { id: string }, ctx: SocialContext) => ctx.loaders.userById.load(ref.id),
  friends: async (user: UserRow, args: PageArgs, ctx: SocialContext) => {
    assertParty(ctx.identity, [user.id], SELF);
    const page = await ctx.loaders.friendsByUserId.load({ parentId: user.id, page: parsePage(args) });
    return mapNodes(page, (ref) => ctx.loaders.userById.load(ref.id));
  },
  friendCount: (user: UserRow, _: unknown, ctx: SocialContext) => ctx.loaders.friendCountByUserId.load(user.id),
  viewerIsFriend: (user: UserRow, _: unknown, ctx: SocialContext) => {
    const viewer = viewerId(ctx.identity);
    return viewer ? ctx.loaders.viewerIsFriendOf.load({ viewerId: viewer, userId: user.id }) : false;
  },
  ious: async (user: UserRow, args: PageArgs & { status?: IouStatus | null }, ctx: SocialContext) => {
    assertParty(ctx.identity, [user.id], SELF);
    const loader = ctx.loaders.iousByUserId(args.status ?? null);
    const page = await loader.load({ parentId: user.id, page: parsePage(args) });
    return mapNodes(page, (ref) => ctx.loaders.iouById.load(ref.id));
  },
  groupPayments: async (user: UserRow, args: PageArgs, ctx: SocialContext) => {
    assertParty(ctx.identity, [user.id], SELF);
    const page = await ctx.loaders.groupPaymentsByUserId.load({ parentId: user.id, page: parsePage(args) });
    return mapNodes(page, (ref) => ctx.loaders.groupPaymentById.load(ref.id));
  },
};
