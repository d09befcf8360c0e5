import { requireFinanceAccess } from '../../shared/actors.ts';
import { toMoney } from '../../shared/money.ts';
import type { CommissionResolvers } from '../__generated__/resolvers-types.ts';

export const Commission: CommissionResolvers = {
  /** Finance data stays with the merchant's staff even when reached by reference. */
  __resolveReference: async (ref, ctx) => {
    const commission = await ctx.loaders.commissionById.load(ref.id);
    if (commission) requireFinanceAccess(ctx.identity, commission.merchantId, `Commission ${ref.id}`);
    return commission;
  },
  merchant: (c) => ({ id: c.merchantId }),
  baseAmount: (c) => toMoney(c.baseAmountFen),
  amount: (c) => toMoney(c.amountFen),
};
