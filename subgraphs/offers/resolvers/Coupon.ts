import { forbidden } from '../../contract/errors.ts';
import { viewerOf } from '../../shared/actors.ts';
import { loadExisting } from '../../shared/connection.ts';
import type { CouponResolvers } from '../__generated__/resolvers-types.ts';
import type { OffersContext } from '../context.ts';
import { couponStatus } from '../rules/status.ts';

/** Coupons are private wherever they are reached from: unknown → null, someone else's → FORBIDDEN. */
export async function loadOwnCoupon(ctx: OffersContext, id: string) {
  const coupon = await ctx.loaders.couponById.load(id);
  if (coupon && viewerOf(ctx.identity)?.userId !== coupon.userId) {
    throw forbidden(`Coupon ${id} belongs to another user: only its owner may see it.`);
  }
  return coupon;
}

export const Coupon: CouponResolvers = {
  __resolveReference: (ref, ctx) => loadOwnCoupon(ctx, ref.id),
  template: (c, _, ctx) => loadExisting(ctx.loaders.couponTemplateById, c.templateId, 'Coupon template'),
  owner: (c) => ({ id: c.userId }),
  status: (c, _, ctx) => couponStatus(c, ctx.clock.now()),
  liveStream: (c) => (c.liveStreamId ? { id: c.liveStreamId } : null),
};
