import { toMoney } from '../../shared/money.ts';
import type { LiveStreamResolvers } from '../__generated__/resolvers-types.ts';

export const LiveStream: LiveStreamResolvers = {
  /** A reference from the gateway carries `featuredOfferIds` (from content) whenever `sales` is asked for. */
  __resolveReference: (ref) => ref,
  sales: async (stream, _, ctx) => {
    const features = { id: stream.id, featuredOfferIds: stream.featuredOfferIds ?? [] };
    return toMoney(await ctx.loaders.salesByLiveStream.load(features));
  },
};
