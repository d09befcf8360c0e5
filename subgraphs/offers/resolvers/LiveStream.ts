import { toMoney } from '../../shared/money.ts';
import type { OffersContext, Ref } from '../context.ts';

export const LiveStream = {
  __resolveReference: ({ id }: Ref) => ({ id }),
  sales: async ({ id }: Ref, _: unknown, ctx: OffersContext) => toMoney(await ctx.loaders.salesByLiveStreamId.load(id)),
};
