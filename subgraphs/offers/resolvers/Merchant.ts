import { requireFinanceAccess } from '../../shared/actors.ts';
import { parsePage } from '../../shared/connection.ts';
import type { MerchantResolvers } from '../__generated__/resolvers-types.ts';
import { merchantPromotionCampaigns } from '../lights/resolvers.ts';

export const Merchant: MerchantResolvers = {
  __resolveReference: (ref) => ({ id: ref.id }),
  couponTemplates: (m, args, ctx) =>
    ctx.loaders.couponTemplatesByMerchantId.load({ parentId: m.id, page: parsePage(args) }),
  groupBuyCampaigns: (m, args, ctx) =>
    ctx.loaders.groupBuyCampaignsByMerchantId.load({ parentId: m.id, page: parsePage(args) }),
  commissions: (m, args, ctx) => {
    const page = parsePage(args);
    requireFinanceAccess(ctx.identity, m.id, 'Commissions');
    return ctx.loaders.commissionsByMerchantId.load({ parentId: m.id, page });
  },
  settlements: (m, args, ctx) => {
    const page = parsePage(args);
    requireFinanceAccess(ctx.identity, m.id, 'Settlements');
    return ctx.loaders.settlementsByMerchantId.load({ parentId: m.id, page });
  },
  promotionCampaigns: merchantPromotionCampaigns,
};
