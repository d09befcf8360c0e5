import { requirePublisher } from '../access.ts';
import {
  advanceLiveStream,
  type PublishPostInput,
  publishPost,
  type ScheduleLiveStreamInput,
  scheduleLiveStream,
} from '../rules/publishing.ts';
import type { ContentContext } from '../types.ts';

type StreamArgs = { liveStreamId: string };

/** Merchant-side mutations; merged into `Mutation`. */
export const PublishingMutations = {
  publishPost: (_: unknown, { input }: { input: PublishPostInput }, ctx: ContentContext) =>
    publishPost(ctx.db, ctx.clock.now(), requirePublisher(ctx.identity), input),
  scheduleLiveStream: (_: unknown, { input }: { input: ScheduleLiveStreamInput }, ctx: ContentContext) =>
    scheduleLiveStream(ctx.db, ctx.clock.now(), requirePublisher(ctx.identity), input),
  startLiveStream: (_: unknown, { liveStreamId }: StreamArgs, ctx: ContentContext) => {
    ctx.loaders.liveStreamById.clear(liveStreamId);
    return advanceLiveStream(ctx.db, ctx.clock.now(), requirePublisher(ctx.identity), { liveStreamId, to: 'LIVE' });
  },
  endLiveStream: (_: unknown, { liveStreamId }: StreamArgs, ctx: ContentContext) => {
    ctx.loaders.liveStreamById.clear(liveStreamId);
    return advanceLiveStream(ctx.db, ctx.clock.now(), requirePublisher(ctx.identity), { liveStreamId, to: 'ENDED' });
  },
};
