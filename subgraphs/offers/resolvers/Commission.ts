import { forbidden } from '../../shared/errors.ts';
import { toMoney } from '../../shared/money.ts';
import { canReadMerchantFinance } from '../access.ts';
import type { CommissionRow, OffersContext, Ref } from '../context.ts';

export const Commission = {
  /** Finance data stays with the merchant's staff even when reached by reference. */
  __resolveReference: async ({ id }: Ref, ctx: OffersContext) => {
    const commission = await ctx.loaders.commissionById.load(id);
    if (commission && !canReadMerchantFinance(ctx.identity, commission.merchantId)) {
      throw forbidden(`Commission ${id} is finance data: only the merchant's staff and partners may read it.`);
    }
    return commission;
  },
  merchant: (c: CommissionRow) => ({ id: c.merchantId }),
  baseAmount: (c: CommissionRow) => toMoney(c.baseAmountFen),
  amount: (c: CommissionRow) => toMoney(c.amountFen),
};
