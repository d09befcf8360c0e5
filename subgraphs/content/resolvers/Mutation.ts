import { asUser, type MerchantActor } from '../../shared/actors.ts';
import type { MutationResolvers } from '../__generated__/resolvers-types.ts';
import { asPublisher, requirePublisher } from '../access.ts';
import type { ContentContext } from '../context.ts';
import { commentOnPost } from '../rules/comment.ts';
import { followLifeAccount, unfollowLifeAccount } from '../rules/follow.ts';
import { advanceLiveStream, scheduleLiveStream } from '../rules/live-streams.ts';
import { watchLiveStream } from '../rules/live-viewers.ts';
import { publishPost } from '../rules/publishing.ts';
import { favoritePost, likePost, sharePost, unfavoritePost, unlikePost } from '../rules/reactions.ts';

/** Who publishes to an account: refused before the account is read, then checked against its merchant. */
async function accountPublisher(ctx: ContentContext, accountId: string): Promise<MerchantActor> {
  requirePublisher(ctx.identity);
  return asPublisher(ctx.identity, await ctx.loaders.lifeAccountById.load(accountId));
}

/** Who moves a live stream: the publisher of its account (for an unknown stream, the rule answers NOT_FOUND). */
async function streamPublisher(ctx: ContentContext, liveStreamId: string): Promise<MerchantActor> {
  requirePublisher(ctx.identity);
  const stream = await ctx.loaders.liveStreamById.load(liveStreamId);
  return asPublisher(ctx.identity, stream && (await ctx.loaders.lifeAccountById.load(stream.accountId)));
}

export const Mutation: MutationResolvers = {
  followLifeAccount: (_, args, ctx) => followLifeAccount(ctx.db, ctx.clock.now(), asUser(ctx.identity), args),
  unfollowLifeAccount: (_, args, ctx) => unfollowLifeAccount(ctx.db, ctx.clock.now(), asUser(ctx.identity), args),
  likePost: (_, args, ctx) => likePost(ctx.db, ctx.clock.now(), asUser(ctx.identity), args),
  unlikePost: (_, args, ctx) => unlikePost(ctx.db, ctx.clock.now(), asUser(ctx.identity), args),
  favoritePost: (_, args, ctx) => favoritePost(ctx.db, ctx.clock.now(), asUser(ctx.identity), args),
  unfavoritePost: (_, args, ctx) => unfavoritePost(ctx.db, ctx.clock.now(), asUser(ctx.identity), args),
  sharePost: (_, args, ctx) => sharePost(ctx.db, ctx.clock.now(), asUser(ctx.identity), args),
  commentOnPost: (_, args, ctx) => commentOnPost(ctx.db, ctx.clock.now(), asUser(ctx.identity), args),
  publishPost: async (_, { input }, ctx) =>
    publishPost(ctx.db, ctx.clock.now(), await accountPublisher(ctx, input.accountId), input),
  scheduleLiveStream: async (_, { input }, ctx) =>
    scheduleLiveStream(ctx.db, ctx.clock.now(), await accountPublisher(ctx, input.accountId), input),
  startLiveStream: async (_, { liveStreamId }, ctx) =>
    advanceLiveStream(ctx.db, ctx.clock.now(), await streamPublisher(ctx, liveStreamId), { liveStreamId, to: 'LIVE' }),
  endLiveStream: async (_, { liveStreamId }, ctx) =>
    advanceLiveStream(ctx.db, ctx.clock.now(), await streamPublisher(ctx, liveStreamId), { liveStreamId, to: 'ENDED' }),
  joinLiveStream: (_, { liveStreamId }, ctx) =>
    watchLiveStream(ctx.db, ctx.clock.now(), asUser(ctx.identity), { liveStreamId, join: true }),
  leaveLiveStream: (_, { liveStreamId }, ctx) =>
    watchLiveStream(ctx.db, ctx.clock.now(), asUser(ctx.identity), { liveStreamId, join: false }),
};
