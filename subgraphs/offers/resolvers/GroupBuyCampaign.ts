import { type PageArgs, parsePage } from '../../shared/connection.ts';
import { toMoney } from '../../shared/money.ts';
import type { GroupBuyCampaignRow, OffersContext, Ref } from '../context.ts';

export const GroupBuyCampaign = {
  __resolveReference: ({ id }: Ref, ctx: OffersContext) => ctx.loaders.groupBuyCampaignById.load(id),
  merchant: (c: GroupBuyCampaignRow) => ({ id: c.merchantId }),
  groupPrice: (c: GroupBuyCampaignRow) => toMoney(c.groupPriceFen),
  originalPrice: (c: GroupBuyCampaignRow) => toMoney(c.originalPriceFen),
  openGroups: (c: GroupBuyCampaignRow, args: PageArgs, ctx: OffersContext) =>
    ctx.loaders.openGroupsByCampaignId.load({ parentId: c.id, page: parsePage(args) }),
};
