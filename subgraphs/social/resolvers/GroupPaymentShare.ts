import { toMoney } from '../../shared/money.ts';
import type { ShareRow, SocialContext } from '../context.ts';

export const GroupPaymentShare = {
  user: (share: ShareRow, _: unknown, ctx: SocialContext) => ctx.loaders.userById.load(share.userId),
  amount: (share: ShareRow) => toMoney(share.amountFen),
  paid: (share: ShareRow) => share.paidAt !== null,
};
