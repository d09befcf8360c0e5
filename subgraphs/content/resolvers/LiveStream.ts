import { loadExisting } from '../../shared/connection.ts';
import type { LiveStreamResolvers } from '../__generated__/resolvers-types.ts';
import { offerRef } from './refs.ts';

export const LiveStream: LiveStreamResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.liveStreamById.load(ref.id),
  account: (stream, _, ctx) => loadExisting(ctx.loaders.lifeAccountById, stream.accountId, 'LifeAccount'),
  featuredOffers: async (stream, _, ctx) =>
    (await ctx.loaders.featuredOffersByLiveStreamId.load(stream.id)).map(offerRef),
  featuredOfferIds: async (stream, _, ctx) =>
    (await ctx.loaders.featuredOffersByLiveStreamId.load(stream.id)).map((row) => row.targetId),
};
