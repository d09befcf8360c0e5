import type { Resolvers } from '../__generated__/resolvers-types.ts';
import {
  PaymentSuccessPage,
  PromotionCampaign,
  PromotionReport,
  PromotionSlot,
  PromotionTarget,
  PromotionTargeting,
} from '../lights/resolvers.ts';
import { Commission } from './Commission.ts';
import { Coupon } from './Coupon.ts';
import { CouponTemplate } from './CouponTemplate.ts';
import { GroupBuyCampaign } from './GroupBuyCampaign.ts';
import { GroupBuyGroup } from './GroupBuyGroup.ts';
import { GroupBuyMember } from './GroupBuyMember.ts';
import { LiveStream } from './LiveStream.ts';
import { Merchant } from './Merchant.ts';
import { Mutation } from './Mutation.ts';
import { Query } from './Query.ts';
import { RedeemCouponPayload } from './RedeemCouponPayload.ts';
import { Settlement } from './Settlement.ts';
import { User } from './User.ts';

/** Every offers resolver, one file per type. */
export const resolvers = {
  Query,
  Mutation,
  Merchant,
  User,
  LiveStream,
  CouponTemplate,
  Coupon,
  GroupBuyCampaign,
  GroupBuyGroup,
  GroupBuyMember,
  Commission,
  Settlement,
  RedeemCouponPayload,
  // Lights
  PromotionCampaign,
  PromotionSlot,
  PromotionTarget,
  PromotionTargeting,
  PromotionReport,
  PaymentSuccessPage,
} satisfies Resolvers;
