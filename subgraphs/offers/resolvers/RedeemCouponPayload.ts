import { requireFinanceAccess } from '../../shared/actors.ts';
import { toMoney } from '../../shared/money.ts';
import type { RedeemCouponPayloadResolvers } from '../__generated__/resolvers-types.ts';

export const RedeemCouponPayload: RedeemCouponPayloadResolvers = {
  discount: (p) => (p.discountFen === null ? null : toMoney(p.discountFen)),
  payable: (p) => (p.payableFen === null ? null : toMoney(p.payableFen)),
  /** The fee is finance data: a redeemer without merchant:finance gets the redemption but not the fee. */
  commission: (p, _, ctx) => {
    if (p.commission) requireFinanceAccess(ctx.identity, p.commission.merchantId, 'The commission');
    return p.commission;
  },
};
