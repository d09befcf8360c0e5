import { loadExisting } from '../../shared/connection.ts';
import type { CommentResolvers } from '../__generated__/resolvers-types.ts';

export const Comment: CommentResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.commentById.load(ref.id),
  author: (comment) => ({ id: comment.userId }),
  post: (comment, _, ctx) => loadExisting(ctx.loaders.postById, comment.postId, 'Post'),
};
