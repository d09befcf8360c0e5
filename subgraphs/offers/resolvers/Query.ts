import type { QueryResolvers } from '../__generated__/resolvers-types.ts';
import { lightsQuery } from '../lights/resolvers.ts';
import { searchConnection } from '../search/resolve.ts';
import { loadOwnCoupon } from './Coupon.ts';

export const Query: QueryResolvers = {
  couponTemplate: (_, { id }, ctx) => ctx.loaders.couponTemplateById.load(id),
  coupon: (_, { id }, ctx) => loadOwnCoupon(ctx, id),
  groupBuyCampaign: (_, { id }, ctx) => ctx.loaders.groupBuyCampaignById.load(id),
  groupBuyGroup: (_, { id }, ctx) => ctx.loaders.groupBuyGroupById.load(id),
  ...lightsQuery,
  // Search
  search: (_, args, ctx) => searchConnection(ctx, args),
};
