import { asUser } from '../../shared/actors.ts';
import { mapNodes, parsePage } from '../../shared/connection.ts';
import type { UserResolvers } from '../__generated__/resolvers-types.ts';
import { assertCanReadUserLists } from '../access.ts';

/** Users are owned by the social subgraph, which decides whether an id exists. */
export const User: UserResolvers = {
  __resolveReference: (ref) => ({ id: ref.id }),
  following: async (user, args, ctx) => {
    assertCanReadUserLists(asUser(ctx.identity), user.id);
    const follows = await ctx.loaders.followingByUserId.load({ parentId: user.id, page: parsePage(args) });
    return mapNodes(follows, (f) => ctx.loaders.lifeAccountById.load(f.accountId));
  },
  favoritePosts: async (user, args, ctx) => {
    assertCanReadUserLists(asUser(ctx.identity), user.id);
    const favorites = await ctx.loaders.favoritePostsByUserId.load({ parentId: user.id, page: parsePage(args) });
    return mapNodes(favorites, (f) => ctx.loaders.postById.load(f.postId));
  },
};
