import { asUser } from '../../shared/actors.ts';
import { parsePage } from '../../shared/connection.ts';
import type { QueryResolvers } from '../__generated__/resolvers-types.ts';
import { visibleGroupPayment } from './GroupPayment.ts';
import { visibleIou } from './Iou.ts';

export const Query: QueryResolvers = {
  me: (_, __, ctx) => ctx.loaders.userById.load(asUser(ctx.identity).userId),
  user: (_, { id }, ctx) => ctx.loaders.userById.load(id),
  // A signed-in user first (UNAUTHENTICATED even for an unknown id), then only the parties see it.
  iou: (_, { id }, ctx) => {
    asUser(ctx.identity);
    return visibleIou(ctx, id);
  },
  groupPayment: (_, { id }, ctx) => {
    asUser(ctx.identity);
    return visibleGroupPayment(ctx, id);
  },
  friendRequests: (_, args, ctx) => {
    const me = asUser(ctx.identity);
    const loader =
      args.direction === 'OUTGOING' ? ctx.loaders.pendingRequestsBySenderId : ctx.loaders.pendingRequestsByRecipientId;
    return loader.load({ parentId: me.userId, page: parsePage(args) });
  },
};
