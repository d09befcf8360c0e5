import { viewerOf } from '../../shared/actors.ts';
import { parsePage } from '../../shared/connection.ts';
import type { LifeAccountResolvers } from '../__generated__/resolvers-types.ts';
import { viewerHas } from '../loaders.ts';

export const LifeAccount: LifeAccountResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.lifeAccountById.load(ref.id),
  merchant: (account) => (account.merchantId ? { id: account.merchantId } : null),
  viewerIsFollowing: (account, _, ctx) =>
    viewerHas(ctx.loaders.viewerFollowsAccount, viewerOf(ctx.identity), account.id),
  posts: (account, args, ctx) => ctx.loaders.postsByAccountId.load({ parentId: account.id, page: parsePage(args) }),
  liveStreams: (account, args, ctx) =>
    ctx.loaders.liveStreamsByAccountId.load({ parentId: account.id, page: parsePage(args) }),
};
