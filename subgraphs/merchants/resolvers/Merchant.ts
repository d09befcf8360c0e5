import { requireFinanceAccess } from '../../shared/access.ts';
import { type PageArgs, parsePage } from '../../shared/connection.ts';
import type { MerchantRow, MerchantsContext, Ref } from '../context.ts';
import { eligibleAt, isEligible } from '../rules/consumption-circle.ts';

export const Merchant = {
  __resolveReference: (ref: Ref, ctx: MerchantsContext) => ctx.loaders.merchantById.load(ref.id),
  category: (m: MerchantRow, _: unknown, ctx: MerchantsContext) => ctx.loaders.categoryById.load(m.categoryId),
  serviceProvider: (m: MerchantRow, _: unknown, ctx: MerchantsContext) =>
    m.serviceProviderId ? ctx.loaders.serviceProviderById.load(m.serviceProviderId) : null,
  stores: (m: MerchantRow, args: PageArgs, ctx: MerchantsContext) =>
    ctx.loaders.storesByMerchantId.load({ parentId: m.id, page: parsePage(args) }),
  miniPrograms: (m: MerchantRow, _: unknown, ctx: MerchantsContext) => ctx.loaders.miniProgramsByMerchantId.load(m.id),
  // The gateway checked the scope; only the subgraph knows whether the caller acts for this very merchant.
  settlementRateBps: (m: MerchantRow, _: unknown, ctx: MerchantsContext) => {
    requireFinanceAccess(ctx.identity, m.id, 'The settlement rate');
    return m.settlementRateBps;
  },
  inConsumptionCircle: (m: MerchantRow) => m.joinedCircleAt !== null,
  joinedConsumptionCircleAt: (m: MerchantRow) => m.joinedCircleAt,
  consumptionCircleEligible: async (m: MerchantRow, _: unknown, ctx: MerchantsContext) =>
    isEligible(await ctx.loaders.miniProgramsByMerchantId.load(m.id), ctx.clock.now()),
  consumptionCircleEligibleAt: async (m: MerchantRow, _: unknown, ctx: MerchantsContext) =>
    eligibleAt(await ctx.loaders.miniProgramsByMerchantId.load(m.id)),
};
