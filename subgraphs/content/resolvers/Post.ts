import { viewerOf } from '../../shared/actors.ts';
import { loadExisting, parsePage } from '../../shared/connection.ts';
import type { PostResolvers } from '../__generated__/resolvers-types.ts';
import { viewerHas } from '../loaders.ts';
import { offerRef } from './refs.ts';

export const Post: PostResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.postById.load(ref.id),
  media: (post) => post.mediaUrls,
  account: (post, _, ctx) => loadExisting(ctx.loaders.lifeAccountById, post.accountId, 'LifeAccount'),
  store: (post) => (post.storeId ? { id: post.storeId } : null),
  viewerHasLiked: (post, _, ctx) => viewerHas(ctx.loaders.viewerLikedPost, viewerOf(ctx.identity), post.id),
  viewerHasFavorited: (post, _, ctx) => viewerHas(ctx.loaders.viewerFavoritedPost, viewerOf(ctx.identity), post.id),
  comments: (post, args, ctx) => ctx.loaders.commentsByPostId.load({ parentId: post.id, page: parsePage(args) }),
  attachments: async (post, _, ctx) => (await ctx.loaders.attachmentsByPostId.load(post.id)).map(offerRef),
};
