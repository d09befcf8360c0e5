import { toMoney } from '../../shared/money.ts';
import type { GroupBuyMemberRow } from '../context.ts';

export const GroupBuyMember = {
  user: (m: GroupBuyMemberRow) => ({ id: m.userId }),
  paid: (m: GroupBuyMemberRow) => toMoney(m.paidFen),
  refunded: (m: GroupBuyMemberRow) => m.refundedAt !== null,
};
