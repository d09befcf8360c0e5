import { requireFinanceAccess } from '../../shared/access.ts';
import { type PageArgs, parsePage } from '../../shared/connection.ts';
import type { OffersContext, Ref } from '../context.ts';

export const Merchant = {
  __resolveReference: ({ id }: Ref) => ({ id }),
  couponTemplates: ({ id }: Ref, args: PageArgs, ctx: OffersContext) =>
    ctx.loaders.couponTemplatesByMerchantId.load({ parentId: id, page: parsePage(args) }),
  groupBuyCampaigns: ({ id }: Ref, args: PageArgs, ctx: OffersContext) =>
    ctx.loaders.groupBuyCampaignsByMerchantId.load({ parentId: id, page: parsePage(args) }),
  commissions: ({ id }: Ref, args: PageArgs, ctx: OffersContext) => {
    const page = parsePage(args);
    requireFinanceAccess(ctx.identity, id, 'Commissions');
    return ctx.loaders.commissionsByMerchantId.load({ parentId: id, page });
  },
  settlements: ({ id }: Ref, args: PageArgs, ctx: OffersContext) => {
    const page = parsePage(args);
    requireFinanceAccess(ctx.identity, id, 'Settlements');
    return ctx.loaders.settlementsByMerchantId.load({ parentId: id, page });
  },
};
