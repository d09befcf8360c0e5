import { eq } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import type { UserActor } from '../../shared/actors.ts';
import { characterCount, unsafeTextReason } from '../../shared/text.ts';
import type { MutationCommentOnPostArgs } from '../__generated__/resolvers-types.ts';
import type { CommentRow, ContentDb, PostRow } from '../context.ts';
import { comments, posts } from '../tables.ts';
import { bumpPostCounter, postNotFound } from './reactions.ts';

export const COMMENT_MAX_LENGTH = 500;

/** Outcome of commenting: the new comment and the post with its current comment count. */
export interface CommentResult {
  comment: CommentRow | null;
  post: PostRow | null;
  userErrors: UserError[];
}

/**
 * The user writes a comment of 1..500 characters (after trimming, no control or bidi characters), counted on the
 * post.
 */
export function commentOnPost(
  db: ContentDb,
  now: Date,
  actor: UserActor,
  input: MutationCommentOnPostArgs,
): CommentResult {
  const body = input.body.trim();
  const length = characterCount(body);
  if (length < 1 || length > COMMENT_MAX_LENGTH) {
    const message = `A comment must be 1 to ${COMMENT_MAX_LENGTH} characters after trimming, got ${length}: shorten or fill in the body.`;
    return { comment: null, post: null, userErrors: [userError('INVALID_INPUT', message, ['body'])] };
  }
  const unsafe = unsafeTextReason('body', body, 'body');
  if (unsafe) return { comment: null, post: null, userErrors: [userError('INVALID_INPUT', unsafe, ['body'])] };
  return db.transaction((tx) => {
    const exists = tx.select({ id: posts.id }).from(posts).where(eq(posts.id, input.postId)).get();
    if (!exists) return { comment: null, post: null, userErrors: [postNotFound(input.postId)] };
    const comment = tx
      .insert(comments)
      .values({ id: newId('cmt'), postId: input.postId, userId: actor.userId, body, createdAt: now })
      .returning()
      .get();
    const post = bumpPostCounter(tx, input.postId, 'commentCount', 1);
    return { comment, post: post ?? null, userErrors: [] };
  });
}
