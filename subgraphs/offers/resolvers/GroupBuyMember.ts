import { toMoney } from '../../shared/money.ts';
import type { GroupBuyMemberResolvers } from '../__generated__/resolvers-types.ts';

export const GroupBuyMember: GroupBuyMemberResolvers = {
  user: (m) => ({ id: m.userId }),
  paid: (m) => toMoney(m.paidFen),
  refunded: (m) => m.refundedAt !== null,
};
