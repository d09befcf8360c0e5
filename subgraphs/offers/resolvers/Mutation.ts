import type { Identity } from '../../contract/identity.ts';
import { SCOPES } from '../../contract/scopes.ts';
import { asMerchant, asMerchantOf, asUser, type MerchantActor } from '../../shared/actors.ts';
import type { MutationResolvers } from '../__generated__/resolvers-types.ts';
import type { OffersContext } from '../context.ts';
import { lightsMutation } from '../lights/resolvers.ts';
import { claimCoupon } from '../rules/claim-coupon.ts';
import { createCouponTemplate, createGroupBuyCampaign } from '../rules/create-offers.ts';
import { joinGroupBuy, startGroupBuy } from '../rules/group-buy.ts';
import { redeemCoupon } from '../rules/redeem-coupon.ts';

const offersStaff = (identity: Identity, merchantId: string) => asMerchant(identity, merchantId, SCOPES.offers);

/**
 * Who redeems a coupon: staff or a partner key acting for the coupon's merchant. An unknown coupon has no merchant to
 * act for (see `asMerchantOf`): the rule answers NOT_FOUND.
 */
async function redeemer(ctx: OffersContext, couponId: string): Promise<MerchantActor> {
  const coupon = await ctx.loaders.couponById.load(couponId);
  const template = coupon && (await ctx.loaders.couponTemplateById.load(coupon.templateId));
  return asMerchantOf(ctx.identity, template?.merchantId ?? null, SCOPES.offers);
}

export const Mutation: MutationResolvers = {
  claimCoupon: (_, { input }, ctx) => claimCoupon(ctx.db, ctx.clock.now(), asUser(ctx.identity), input),
  startGroupBuy: (_, { input }, ctx) => startGroupBuy(ctx.db, ctx.clock.now(), asUser(ctx.identity), input),
  joinGroupBuy: (_, { input }, ctx) => joinGroupBuy(ctx.db, ctx.clock.now(), asUser(ctx.identity), input),
  createCouponTemplate: (_, { input }, ctx) =>
    createCouponTemplate(ctx.db, ctx.clock.now(), offersStaff(ctx.identity, input.merchantId), input),
  createGroupBuyCampaign: (_, { input }, ctx) =>
    createGroupBuyCampaign(ctx.db, ctx.clock.now(), offersStaff(ctx.identity, input.merchantId), input),
  redeemCoupon: async (_, { input }, ctx) =>
    redeemCoupon(ctx.db, ctx.clock.now(), await redeemer(ctx, input.couponId), input),
  ...lightsMutation,
};
