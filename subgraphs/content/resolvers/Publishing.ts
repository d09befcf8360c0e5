import type { ContentContext } from '../context.ts';
import { advanceLiveStream, type ScheduleLiveStreamInput, scheduleLiveStream } from '../rules/live-streams.ts';
import { type PublishPostInput, publishPost } from '../rules/publishing.ts';

type StreamArgs = { liveStreamId: string };

/** Merchant-side mutations; merged into `Mutation`. The rules check scope and merchant themselves. */
export const PublishingMutations = {
  publishPost: (_: unknown, { input }: { input: PublishPostInput }, ctx: ContentContext) =>
    publishPost(ctx.db, ctx.clock.now(), ctx.identity, input),
  scheduleLiveStream: (_: unknown, { input }: { input: ScheduleLiveStreamInput }, ctx: ContentContext) =>
    scheduleLiveStream(ctx.db, ctx.clock.now(), ctx.identity, input),
  startLiveStream: (_: unknown, { liveStreamId }: StreamArgs, ctx: ContentContext) => {
    ctx.loaders.liveStreamById.clear(liveStreamId);
    return advanceLiveStream(ctx.db, ctx.clock.now(), ctx.identity, { liveStreamId, to: 'LIVE' });
  },
  endLiveStream: (_: unknown, { liveStreamId }: StreamArgs, ctx: ContentContext) => {
    ctx.loaders.liveStreamById.clear(liveStreamId);
    return advanceLiveStream(ctx.db, ctx.clock.now(), ctx.identity, { liveStreamId, to: 'ENDED' });
  },
};
