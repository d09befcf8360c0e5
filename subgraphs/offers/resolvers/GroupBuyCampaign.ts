import { parsePage } from '../../shared/connection.ts';
import { toMoney } from '../../shared/money.ts';
import type { GroupBuyCampaignResolvers } from '../__generated__/resolvers-types.ts';

export const GroupBuyCampaign: GroupBuyCampaignResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.groupBuyCampaignById.load(ref.id),
  merchant: (c) => ({ id: c.merchantId }),
  groupPrice: (c) => toMoney(c.groupPriceFen),
  originalPrice: (c) => toMoney(c.originalPriceFen),
  openGroups: (c, args, ctx) => ctx.loaders.openGroupsByCampaignId.load({ parentId: c.id, page: parsePage(args) }),
};
