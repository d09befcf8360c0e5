import { toMoney } from '../../shared/money.ts';
import type { OffersContext } from '../context.ts';
import type { LiveStreamFeatures } from '../loaders.ts';

/** A reference from the gateway carries `featuredOfferIds` (from content) whenever `sales` is asked for. */
type LiveStreamRef = { id: string; featuredOfferIds?: string[] | null };

export const LiveStream = {
  __resolveReference: (ref: LiveStreamRef) => ref,
  sales: async (stream: LiveStreamRef, _: unknown, ctx: OffersContext) => {
    const features: LiveStreamFeatures = { id: stream.id, featuredOfferIds: stream.featuredOfferIds ?? [] };
    return toMoney(await ctx.loaders.salesByLiveStream.load(features));
  },
};
