import { type PageArgs, parsePage } from '../../shared/connection.ts';
import { assertGroupPaymentMember, assertIouParty, requireUser } from '../access.ts';
import type { SocialContext } from '../context.ts';

type Id = { id: string };

export const Query = {
  me: (_: unknown, __: unknown, ctx: SocialContext) => ctx.loaders.userById.load(requireUser(ctx.identity)),
  user: (_: unknown, { id }: Id, ctx: SocialContext) => ctx.loaders.userById.load(id),
  iou: async (_: unknown, { id }: Id, ctx: SocialContext) => {
    requireUser(ctx.identity);
    const iou = await ctx.loaders.iouById.load(id);
    if (iou) assertIouParty(ctx.identity, iou);
    return iou;
  },
  groupPayment: async (_: unknown, { id }: Id, ctx: SocialContext) => {
    requireUser(ctx.identity);
    const [payment, shares] = await Promise.all([
      ctx.loaders.groupPaymentById.load(id),
      ctx.loaders.sharesByGroupPaymentId.load(id),
    ]);
    if (payment) assertGroupPaymentMember(ctx.identity, payment, shares);
    return payment;
  },
  friendRequests: (_: unknown, args: PageArgs & { direction?: 'INCOMING' | 'OUTGOING' | null }, ctx: SocialContext) => {
    const me = requireUser(ctx.identity);
    const page = parsePage(args);
    const loader =
      args.direction === 'OUTGOING' ? ctx.loaders.pendingRequestsBySenderId : ctx.loaders.pendingRequestsByRecipientId;
    return loader.load({ parentId: me, page });
  },
};
