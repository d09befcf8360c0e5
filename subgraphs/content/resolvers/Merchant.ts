import type { ContentContext } from '../context.ts';

/** Merchants are owned by the merchants subgraph, which decides whether an id exists. */
export const Merchant = {
  __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
  lifeAccount: (merchant: { id: string }, _: unknown, ctx: ContentContext) =>
    ctx.loaders.lifeAccountByMerchantId.load(merchant.id),
};
