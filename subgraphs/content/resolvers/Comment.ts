import type { CommentRow, ContentContext } from '../context.ts';

export const Comment = {
  __resolveReference: (ref: { id: string }, ctx: ContentContext) => ctx.loaders.commentById.load(ref.id),
  author: (comment: CommentRow) => ({ id: comment.userId }),
  post: (comment: CommentRow, _: unknown, ctx: ContentContext) => ctx.loaders.postById.load(comment.postId),
};
