import type { Identity } from '../../contract/identity.ts';
import { SCOPES } from '../../contract/scopes.ts';
import { requireMerchantAccess, requireScope, requireUser } from '../../shared/access.ts';
import type { OffersContext } from '../context.ts';
import { type ClaimCouponInput, claimCoupon } from '../rules/claim-coupon.ts';
import {
  type CreateCouponTemplateInput,
  type CreateGroupBuyCampaignInput,
  createCouponTemplate,
  createGroupBuyCampaign,
} from '../rules/create-offers.ts';
import { type JoinGroupBuyInput, joinGroupBuy, type StartGroupBuyInput, startGroupBuy } from '../rules/group-buy.ts';
import { type RedeemCouponInput, redeemCoupon } from '../rules/redeem-coupon.ts';

type Args<T> = { input: T };

/** Who stored an idempotency key: a staff user or a partner key (subjects carry their own prefix). */
const callerId = (identity: Identity) => identity.subject ?? 'anonymous';

export const Mutation = {
  claimCoupon: (_: unknown, { input }: Args<ClaimCouponInput>, ctx: OffersContext) =>
    claimCoupon(ctx.db, ctx.clock.now(), requireUser(ctx.identity), input),
  startGroupBuy: (_: unknown, { input }: Args<StartGroupBuyInput>, ctx: OffersContext) =>
    startGroupBuy(ctx.db, ctx.clock.now(), requireUser(ctx.identity), input),
  joinGroupBuy: (_: unknown, { input }: Args<JoinGroupBuyInput>, ctx: OffersContext) =>
    joinGroupBuy(ctx.db, ctx.clock.now(), requireUser(ctx.identity), input),
  createCouponTemplate: (_: unknown, { input }: Args<CreateCouponTemplateInput>, ctx: OffersContext) => {
    requireMerchantAccess(ctx.identity, input.merchantId, SCOPES.offers);
    return createCouponTemplate(ctx.db, ctx.clock.now(), callerId(ctx.identity), input);
  },
  createGroupBuyCampaign: (_: unknown, { input }: Args<CreateGroupBuyCampaignInput>, ctx: OffersContext) => {
    requireMerchantAccess(ctx.identity, input.merchantId, SCOPES.offers);
    return createGroupBuyCampaign(ctx.db, ctx.clock.now(), callerId(ctx.identity), input);
  },
  /** Only the coupon's own merchant redeems it; an unknown coupon is left to the rule (NOT_FOUND). */
  redeemCoupon: async (_: unknown, { input }: Args<RedeemCouponInput>, ctx: OffersContext) => {
    const coupon = await ctx.loaders.couponById.load(input.couponId);
    const template = coupon && (await ctx.loaders.couponTemplateById.load(coupon.templateId));
    if (template) requireMerchantAccess(ctx.identity, template.merchantId, SCOPES.offers);
    else requireScope(ctx.identity, SCOPES.offers);
    return redeemCoupon(ctx.db, ctx.clock.now(), callerId(ctx.identity), input);
  },
};
