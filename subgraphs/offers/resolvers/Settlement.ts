import { toMoney } from '../../shared/money.ts';
import type { SettlementResolvers } from '../__generated__/resolvers-types.ts';

/** Reached only through `Merchant.settlements`, which checked the caller's finance access to the merchant. */
export const Settlement: SettlementResolvers = {
  merchant: (s) => ({ id: s.merchantId }),
  kind: (s) => s.sourceKind,
  amount: (s) => toMoney(s.amountFen),
  liveStream: (s) => (s.liveStreamId ? { id: s.liveStreamId } : null),
  commissions: (s, _, ctx) => ctx.loaders.commissionsBySettlementId.load(s.id),
};
