import type { OffersContext, Ref } from '../context.ts';
import { Coupon } from './Coupon.ts';

export const Query = {
  couponTemplate: (_: unknown, { id }: Ref, ctx: OffersContext) => ctx.loaders.couponTemplateById.load(id),
  coupon: (_: unknown, ref: Ref, ctx: OffersContext) => Coupon.__resolveReference(ref, ctx),
  groupBuyCampaign: (_: unknown, { id }: Ref, ctx: OffersContext) => ctx.loaders.groupBuyCampaignById.load(id),
  groupBuyGroup: (_: unknown, { id }: Ref, ctx: OffersContext) => ctx.loaders.groupBuyGroupById.load(id),
};
