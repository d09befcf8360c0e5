import { viewerOf } from '../../shared/actors.ts';
import { type PageArgs, parsePage } from '../../shared/connection.ts';
import type { ContentContext, PostRow } from '../context.ts';
import { offerRef } from './refs.ts';

export const Post = {
  __resolveReference: (ref: { id: string }, ctx: ContentContext) => ctx.loaders.postById.load(ref.id),
  media: (post: PostRow) => post.mediaUrls,
  account: (post: PostRow, _: unknown, ctx: ContentContext) => ctx.loaders.lifeAccountById.load(post.accountId),
  store: (post: PostRow) => (post.storeId ? { id: post.storeId } : null),
  viewerHasLiked: (post: PostRow, _: unknown, ctx: ContentContext) => {
    const viewer = (viewerOf(ctx.identity)?.userId ?? null);
    return viewer ? ctx.loaders.viewerLikedPost.load({ viewerId: viewer, id: post.id }) : false;
  },
  viewerHasFavorited: (post: PostRow, _: unknown, ctx: ContentContext) => {
    const viewer = (viewerOf(ctx.identity)?.userId ?? null);
    return viewer ? ctx.loaders.viewerFavoritedPost.load({ viewerId: viewer, id: post.id }) : false;
  },
  comments: (post: PostRow, args: PageArgs, ctx: ContentContext) =>
    ctx.loaders.commentsByPostId.load({ parentId: post.id, page: parsePage(args) }),
  attachments: async (post: PostRow, _: unknown, ctx: ContentContext) =>
    (await ctx.loaders.attachmentsByPostId.load(post.id)).map(offerRef),
};
