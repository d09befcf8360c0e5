import { SCOPES } from '../../contract/scopes.ts';
import { requireFinanceAccess } from '../../shared/actors.ts';
import { loadExisting, parsePage } from '../../shared/connection.ts';
import type { MerchantResolvers } from '../__generated__/resolvers-types.ts';
import { eligibleAt, isEligible } from '../rules/consumption-circle.ts';

export const Merchant: MerchantResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.merchantById.load(ref.id),
  category: (m, _, ctx) => loadExisting(ctx.loaders.categoryById, m.categoryId, 'Category'),
  serviceProvider: (m, _, ctx) =>
    m.serviceProviderId ? ctx.loaders.serviceProviderById.load(m.serviceProviderId) : null,
  stores: (m, args, ctx) => ctx.loaders.storesByMerchantId.load({ parentId: m.id, page: parsePage(args) }),
  miniPrograms: (m, _, ctx) => ctx.loaders.miniProgramsByMerchantId.load(m.id),
  // The gateway checked the scope; only the subgraph knows whether the caller acts for this very merchant. Operators
  // set every merchant's rate, so they read every merchant's.
  settlementRateBps: (m, _, ctx) => {
    if (ctx.identity.kind !== 'anonymous' && ctx.identity.scopes.includes(SCOPES.admin)) return m.settlementRateBps;
    requireFinanceAccess(ctx.identity, m.id, 'The settlement rate');
    return m.settlementRateBps;
  },
  inConsumptionCircle: (m) => m.joinedCircleAt !== null,
  joinedConsumptionCircleAt: (m) => m.joinedCircleAt,
  consumptionCircleEligible: async (m, _, ctx) =>
    isEligible(await ctx.loaders.miniProgramsByMerchantId.load(m.id), ctx.clock.now()),
  consumptionCircleEligibleAt: async (m, _, ctx) => eligibleAt(await ctx.loaders.miniProgramsByMerchantId.load(m.id)),
};
