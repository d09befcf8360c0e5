import { type PageArgs, parsePage } from '../../shared/connection.ts';
import { forbidden } from '../../shared/errors.ts';
import { canReadMerchantFinance } from '../access.ts';
import type { OffersContext, Ref } from '../context.ts';

export const Merchant = {
  __resolveReference: ({ id }: Ref) => ({ id }),
  couponTemplates: ({ id }: Ref, args: PageArgs, ctx: OffersContext) =>
    ctx.loaders.couponTemplatesByMerchantId.load({ parentId: id, page: parsePage(args) }),
  groupBuyCampaigns: ({ id }: Ref, args: PageArgs, ctx: OffersContext) =>
    ctx.loaders.groupBuyCampaignsByMerchantId.load({ parentId: id, page: parsePage(args) }),
  commissions: ({ id }: Ref, args: PageArgs, ctx: OffersContext) => {
    const page = parsePage(args);
    if (!canReadMerchantFinance(ctx.identity, id)) {
      throw forbidden(`Commissions of ${id} are finance data: only the merchant's staff and partners may read them.`);
    }
    return ctx.loaders.commissionsByMerchantId.load({ parentId: id, page });
  },
  settlements: ({ id }: Ref, args: PageArgs, ctx: OffersContext) => {
    const page = parsePage(args);
    if (!canReadMerchantFinance(ctx.identity, id)) {
      throw forbidden(`Settlements of ${id} are finance data: only the merchant's staff and partners may read them.`);
    }
    return ctx.loaders.settlementsByMerchantId.load({ parentId: id, page });
  },
};
