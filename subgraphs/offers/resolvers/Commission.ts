import { requireFinanceAccess } from '../../shared/access.ts';
import { toMoney } from '../../shared/money.ts';
import type { CommissionRow, OffersContext, Ref } from '../context.ts';

export const Commission = {
  /** Finance data stays with the merchant's staff even when reached by reference. */
  __resolveReference: async ({ id }: Ref, ctx: OffersContext) => {
    const commission = await ctx.loaders.commissionById.load(id);
    if (commission) requireFinanceAccess(ctx.identity, commission.merchantId, `Commission ${id}`);
    return commission;
  },
  merchant: (c: CommissionRow) => ({ id: c.merchantId }),
  baseAmount: (c: CommissionRow) => toMoney(c.baseAmountFen),
  amount: (c: CommissionRow) => toMoney(c.amountFen),
};
