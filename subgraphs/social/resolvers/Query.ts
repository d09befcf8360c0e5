import { type PageArgs, parsePage } from '../../shared/connection.ts';
import { requireUser } from '../access.ts';
import type { SocialContext } from '../context.ts';
import { visibleGroupPayment } from './GroupPayment.ts';
import { visibleIou } from './Iou.ts';

type Id = { id: string };

export const Query = {
  me: (_: unknown, __: unknown, ctx: SocialContext) => ctx.loaders.userById.load(requireUser(ctx.identity)),
  user: (_: unknown, { id }: Id, ctx: SocialContext) => ctx.loaders.userById.load(id),
  // A signed-in user first (UNAUTHENTICATED even for an unknown id), then only the parties see it.
  iou: (_: unknown, { id }: Id, ctx: SocialContext) => {
    requireUser(ctx.identity);
    return visibleIou(ctx, id);
  },
  groupPayment: (_: unknown, { id }: Id, ctx: SocialContext) => {
    requireUser(ctx.identity);
    return visibleGroupPayment(ctx, id);
  },
  friendRequests: (_: unknown, args: PageArgs & { direction?: 'INCOMING' | 'OUTGOING' | null }, ctx: SocialContext) => {
    const me = requireUser(ctx.identity);
    const page = parsePage(args);
    const loader =
      args.direction === 'OUTGOING' ? ctx.loaders.pendingRequestsBySenderId : ctx.loaders.pendingRequestsByRecipientId;
    return loader.load({ parentId: me, page });
  },
};
