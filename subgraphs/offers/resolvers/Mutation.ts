import { requireUser } from '../../shared/access.ts';
import type { OffersContext } from '../context.ts';
import { type ClaimCouponInput, claimCoupon } from '../rules/claim-coupon.ts';

export const Mutation = {
  claimCoupon: (_: unknown, { input }: { input: ClaimCouponInput }, ctx: OffersContext) =>
    claimCoupon(ctx.db, ctx.clock.now(), requireUser(ctx.identity), input),
};
