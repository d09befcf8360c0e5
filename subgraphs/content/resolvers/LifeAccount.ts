import { viewerOf } from '../../shared/actors.ts';
import { type PageArgs, parsePage } from '../../shared/connection.ts';
import type { ContentContext, LifeAccountRow } from '../context.ts';

export const LifeAccount = {
  __resolveReference: (ref: { id: string }, ctx: ContentContext) => ctx.loaders.lifeAccountById.load(ref.id),
  merchant: (account: LifeAccountRow) => (account.merchantId ? { id: account.merchantId } : null),
  viewerIsFollowing: (account: LifeAccountRow, _: unknown, ctx: ContentContext) => {
    const viewer = (viewerOf(ctx.identity)?.userId ?? null);
    return viewer ? ctx.loaders.viewerFollowsAccount.load({ viewerId: viewer, id: account.id }) : false;
  },
  posts: (account: LifeAccountRow, args: PageArgs, ctx: ContentContext) =>
    ctx.loaders.postsByAccountId.load({ parentId: account.id, page: parsePage(args) }),
  liveStreams: (account: LifeAccountRow, args: PageArgs, ctx: ContentContext) =>
    ctx.loaders.liveStreamsByAccountId.load({ parentId: account.id, page: parsePage(args) }),
};
