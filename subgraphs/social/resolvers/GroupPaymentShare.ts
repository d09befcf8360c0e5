import { loadExisting } from '../../shared/connection.ts';
import { toMoney } from '../../shared/money.ts';
import type { GroupPaymentShareResolvers } from '../__generated__/resolvers-types.ts';

export const GroupPaymentShare: GroupPaymentShareResolvers = {
  user: (share, _, ctx) => loadExisting(ctx.loaders.userById, share.userId, 'User'),
  amount: (share) => toMoney(share.amountFen),
  paid: (share) => share.paidAt !== null,
};
