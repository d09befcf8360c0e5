import type { MerchantsContext, Ref } from '../context.ts';

export const Category = {
  __resolveReference: (ref: Ref, ctx: MerchantsContext) => ctx.loaders.categoryById.load(ref.id),
};
