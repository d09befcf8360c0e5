import { requireFinanceAccess } from '../../shared/access.ts';
import { toMoney } from '../../shared/money.ts';
import type { OffersContext } from '../context.ts';
import type { RedeemCouponResult } from '../rules/redeem-coupon.ts';

export const RedeemCouponPayload = {
  discount: (p: RedeemCouponResult) => (p.discountFen === null ? null : toMoney(p.discountFen)),
  payable: (p: RedeemCouponResult) => (p.payableFen === null ? null : toMoney(p.payableFen)),
  /** The fee is finance data: a redeemer without merchant:finance gets the redemption but not the fee. */
  commission: (p: RedeemCouponResult, _: unknown, ctx: OffersContext) => {
    if (p.commission) requireFinanceAccess(ctx.identity, p.commission.merchantId, 'The commission');
    return p.commission;
  },
};
