import { asUser } from '../../shared/actors.ts';
import type { ContentContext, ContentDb } from '../context.ts';
import { commentOnPost } from '../rules/comment.ts';
import { type FollowInput, type FollowResult, followLifeAccount, unfollowLifeAccount } from '../rules/follow.ts';
import {
  favoritePost,
  likePost,
  type PostResult,
  type ReactionInput,
  sharePost,
  unfavoritePost,
  unlikePost,
} from '../rules/reactions.ts';

/** Loaders may hold the state from before the mutation; the payload must show the state after it. */
function refreshPost(ctx: ContentContext, postId: string, result: PostResult): PostResult {
  const viewerKey = { viewerId: asUser(ctx.identity).userId, id: postId };
  ctx.loaders.viewerLikedPost.clear(viewerKey);
  ctx.loaders.viewerFavoritedPost.clear(viewerKey);
  if (result.post) ctx.loaders.postById.clear(postId).prime(postId, result.post);
  return result;
}

function postMutation(rule: (db: ContentDb, now: Date, input: ReactionInput) => PostResult) {
  return (_: unknown, { postId }: { postId: string }, ctx: ContentContext) => {
    const userId = asUser(ctx.identity).userId;
    return refreshPost(ctx, postId, rule(ctx.db, ctx.clock.now(), { userId, postId }));
  };
}

function accountMutation(rule: (db: ContentDb, now: Date, input: FollowInput) => FollowResult) {
  return (_: unknown, { accountId }: { accountId: string }, ctx: ContentContext) => {
    const userId = asUser(ctx.identity).userId;
    const result = rule(ctx.db, ctx.clock.now(), { userId, accountId });
    ctx.loaders.viewerFollowsAccount.clear({ viewerId: userId, id: accountId });
    if (result.lifeAccount) ctx.loaders.lifeAccountById.clear(accountId).prime(accountId, result.lifeAccount);
    return result;
  };
}

export const Mutation = {
  followLifeAccount: accountMutation(followLifeAccount),
  unfollowLifeAccount: accountMutation(unfollowLifeAccount),
  likePost: postMutation(likePost),
  unlikePost: postMutation(unlikePost),
  favoritePost: postMutation(favoritePost),
  unfavoritePost: postMutation(unfavoritePost),
  sharePost: postMutation(sharePost),
  commentOnPost: (_: unknown, args: { postId: string; body: string }, ctx: ContentContext) => {
    const userId = asUser(ctx.identity).userId;
    const result = commentOnPost(ctx.db, ctx.clock.now(), { userId, ...args });
    if (result.post) ctx.loaders.postById.clear(args.postId).prime(args.postId, result.post);
    // The post's comment pages were possibly loaded before this comment existed.
    ctx.loaders.commentsByPostId.clearAll();
    return result;
  },
};
