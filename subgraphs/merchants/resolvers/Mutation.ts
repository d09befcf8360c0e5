import type { MerchantsContext } from '../context.ts';
import { joinConsumptionCircle } from '../rules/consumption-circle.ts';

export const Mutation = {
  joinConsumptionCircle: (_: unknown, { merchantId }: { merchantId: string }, ctx: MerchantsContext) => {
    const result = joinConsumptionCircle(ctx.db, ctx.clock.now(), ctx.identity, { merchantId });
    // The payload's merchant must show the new state, not a row loaded earlier in this request.
    ctx.loaders.merchantById.clear(merchantId);
    return result;
  },
};
