import { assertActsForMerchant, assertSignedIn } from '../access.ts';
import { joinConsumptionCircle } from '../rules/consumption-circle.ts';
import type { Ctx } from './context.ts';

export const Mutation = {
  joinConsumptionCircle: async (_: unknown, { merchantId }: { merchantId: string }, ctx: Ctx) => {
    assertSignedIn(ctx.identity);
    // The catalogue is public, so an unknown merchant is a NOT_FOUND user error rather than FORBIDDEN.
    if (await ctx.loaders.merchantById.load(merchantId)) assertActsForMerchant(ctx.identity, merchantId);
    const result = joinConsumptionCircle(ctx.db, ctx.clock.now(), { merchantId });
    ctx.loaders.merchantById.clear(merchantId);
    return result;
  },
};
