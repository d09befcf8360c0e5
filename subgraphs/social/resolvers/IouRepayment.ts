import { toMoney } from '../../shared/money.ts';
import type { IouRepaymentResolvers } from '../__generated__/resolvers-types.ts';

export const IouRepayment: IouRepaymentResolvers = {
  amount: (repayment) => toMoney(repayment.amountFen),
};
