import { unauthenticated } from '../../shared/errors.ts';
import type { OffersContext } from '../context.ts';
import { type ClaimCouponInput, claimCoupon } from '../rules/claim-coupon.ts';

/** The signed-in user's id; offers mutations act for users only. */
function userId(ctx: OffersContext): string {
  if (ctx.identity.kind !== 'user' || !ctx.identity.subject) throw unauthenticated();
  return ctx.identity.subject;
}

export const Mutation = {
  claimCoupon: (_: unknown, { input }: { input: ClaimCouponInput }, ctx: OffersContext) =>
    claimCoupon(ctx.db, ctx.clock.now(), userId(ctx), input),
};
