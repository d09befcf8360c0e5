import type { MerchantResolvers } from '../__generated__/resolvers-types.ts';

/** Merchants are owned by the merchants subgraph, which decides whether an id exists. */
export const Merchant: MerchantResolvers = {
  __resolveReference: (ref) => ({ id: ref.id }),
  lifeAccount: (merchant, _, ctx) => ctx.loaders.lifeAccountByMerchantId.load(merchant.id),
};
