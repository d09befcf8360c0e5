import { toMoney } from '../../shared/money.ts';

export const IouRepayment = {
  amount: (repayment: { amountFen: number }) => toMoney(repayment.amountFen),
};
