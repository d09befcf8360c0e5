import { forbidden } from '../../contract/errors.ts';
import { canReadUserCoupons } from '../access.ts';
import type { CouponRow, OffersContext, Ref } from '../context.ts';
import { couponStatus } from '../rules/status.ts';

export const Coupon = {
  /** Coupons are private wherever they are reached from: unknown → null, someone else's → FORBIDDEN. */
  __resolveReference: async ({ id }: Ref, ctx: OffersContext) => {
    const coupon = await ctx.loaders.couponById.load(id);
    if (coupon && !canReadUserCoupons(ctx.identity, coupon.userId)) {
      throw forbidden(`Coupon ${id} belongs to another user: only its owner may see it.`);
    }
    return coupon;
  },
  template: (c: CouponRow, _: unknown, ctx: OffersContext) => ctx.loaders.couponTemplateById.load(c.templateId),
  owner: (c: CouponRow) => ({ id: c.userId }),
  status: (c: CouponRow, _: unknown, ctx: OffersContext) => couponStatus(c, ctx.clock.now()),
  liveStream: (c: CouponRow) => (c.liveStreamId ? { id: c.liveStreamId } : null),
};
