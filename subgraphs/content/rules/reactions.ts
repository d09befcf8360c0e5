import { and, eq, sql } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import type { UserActor } from '../../shared/actors.ts';
import type { MutationLikePostArgs } from '../__generated__/resolvers-types.ts';
import type { ContentDb, ContentTx, PostRow } from '../context.ts';
import { postFavorites, postLikes, postShares, posts } from '../tables.ts';

/** Outcome of a post reaction: the post as it is now. */
export interface PostResult {
  post: PostRow | null;
  userErrors: UserError[];
}

/** Input of every post reaction: the post (like, favorite, share and their undos take the same). */
export type ReactionInput = MutationLikePostArgs;

/** Likes and favorites have the same shape: one row per (user, post) and a counter on the post. */
const REACTIONS = {
  like: { table: postLikes, counter: 'likeCount' },
  favorite: { table: postFavorites, counter: 'favoriteCount' },
} as const;
type Reaction = keyof typeof REACTIONS;

/** A NOT_FOUND user error for a post id. */
export function postNotFound(postId: string): UserError {
  return userError('NOT_FOUND', `No post has id "${postId}": check the id.`, ['postId']);
}

/** Moves one of a post's counters by `delta`; returns the post as it is now (undefined for an unknown id). */
export function bumpPostCounter(
  tx: ContentTx,
  postId: string,
  counter: 'likeCount' | 'favoriteCount' | 'commentCount',
  delta: number,
): PostRow | undefined {
  return tx
    .update(posts)
    .set({ [counter]: sql`${posts[counter]} + ${delta}` })
    .where(eq(posts.id, postId))
    .returning()
    .get();
}

/** A post reaction rule: what the user does to the post, and the post as it is now. */
type ReactionRule = (db: ContentDb, now: Date, actor: UserActor, input: ReactionInput) => PostResult;

/**
 * The rule that adds (or removes) the user's like or favorite. The (user, post) primary key makes repeats
 * no-ops, and the counter moves only when a row was really inserted or deleted, in the same transaction.
 */
function reactionRule(reaction: Reaction, add: boolean): ReactionRule {
  const { table, counter } = REACTIONS[reaction];
  return (db, now, { userId }, { postId }) =>
    db.transaction((tx) => {
      const post = tx.select().from(posts).where(eq(posts.id, postId)).get();
      if (!post) return { post: null, userErrors: [postNotFound(postId)] };
      const changed = add
        ? tx.insert(table).values({ userId, postId, createdAt: now }).onConflictDoNothing().run()
        : tx
            .delete(table)
            .where(and(eq(table.userId, userId), eq(table.postId, postId)))
            .run();
      if (changed.changes === 0) return { post, userErrors: [] };
      return { post: bumpPostCounter(tx, postId, counter, add ? 1 : -1) ?? post, userErrors: [] };
    });
}

/** The user likes a post (idempotent). */
export const likePost = reactionRule('like', true);
/** The user removes their like (idempotent). */
export const unlikePost = reactionRule('like', false);
/** The user adds a post to favorites (idempotent). */
export const favoritePost = reactionRule('favorite', true);
/** The user removes a post from favorites (idempotent). */
export const unfavoritePost = reactionRule('favorite', false);

/**
 * Records a share. Every share is stored as an event, but `shareCount` counts distinct sharers: it moves
 * only on the user's first share of the post. The check and the increment are one statement in an
 * immediate transaction, so concurrent repeats by one user still count once.
 */
export function sharePost(db: ContentDb, now: Date, actor: UserActor, input: ReactionInput): PostResult {
  const { userId } = actor;
  return db.transaction(
    (tx) => {
      const post = tx.select().from(posts).where(eq(posts.id, input.postId)).get();
      if (!post) return { post: null, userErrors: [postNotFound(input.postId)] };
      const firstShare = sql`not exists (select 1 from ${postShares} where ${postShares.postId} = ${input.postId} and ${postShares.userId} = ${userId})`;
      const bumped = tx
        .update(posts)
        .set({ shareCount: sql`${posts.shareCount} + 1` })
        .where(and(eq(posts.id, input.postId), firstShare))
        .returning()
        .get();
      tx.insert(postShares)
        .values({ id: newId('shr'), postId: input.postId, userId, createdAt: now })
        .run();
      return { post: bumped ?? post, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}
