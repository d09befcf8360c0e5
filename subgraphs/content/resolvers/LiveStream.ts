import type { ContentContext, LiveStreamRow } from '../context.ts';
import { offerRef } from './refs.ts';

export const LiveStream = {
  __resolveReference: (ref: { id: string }, ctx: ContentContext) => ctx.loaders.liveStreamById.load(ref.id),
  account: (stream: LiveStreamRow, _: unknown, ctx: ContentContext) =>
    ctx.loaders.lifeAccountById.load(stream.accountId),
  featuredOffers: async (stream: LiveStreamRow, _: unknown, ctx: ContentContext) =>
    (await ctx.loaders.featuredOffersByLiveStreamId.load(stream.id)).map(offerRef),
  featuredOfferIds: async (stream: LiveStreamRow, _: unknown, ctx: ContentContext) =>
    (await ctx.loaders.featuredOffersByLiveStreamId.load(stream.id)).map((row) => row.targetId),
};
