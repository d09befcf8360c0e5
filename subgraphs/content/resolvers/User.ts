import { mapNodes, type PageArgs, parsePage } from '../../shared/connection.ts';
import { assertCanReadUserLists } from '../access.ts';
import type { ContentContext } from '../context.ts';

/** Users are owned by the social subgraph, which decides whether an id exists. */
export const User = {
  __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
  following: async (user: { id: string }, args: PageArgs, ctx: ContentContext) => {
    assertCanReadUserLists(ctx.identity, user.id);
    const follows = await ctx.loaders.followingByUserId.load({ parentId: user.id, page: parsePage(args) });
    return mapNodes(follows, (f) => ctx.loaders.lifeAccountById.load(f.accountId));
  },
  favoritePosts: async (user: { id: string }, args: PageArgs, ctx: ContentContext) => {
    assertCanReadUserLists(ctx.identity, user.id);
    const favorites = await ctx.loaders.favoritePostsByUserId.load({ parentId: user.id, page: parsePage(args) });
    return mapNodes(favorites, (f) => ctx.loaders.postById.load(f.postId));
  },
};
