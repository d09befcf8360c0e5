import { toMoney } from '../../shared/money.ts';
import type { OffersContext, SettlementRow } from '../context.ts';

/** Reached only through `Merchant.settlements`, which checked the caller's finance access to the merchant. */
export const Settlement = {
  merchant: (s: SettlementRow) => ({ id: s.merchantId }),
  kind: (s: SettlementRow) => s.sourceKind,
  amount: (s: SettlementRow) => toMoney(s.amountFen),
  liveStream: (s: SettlementRow) => (s.liveStreamId ? { id: s.liveStreamId } : null),
  commissions: (s: SettlementRow, _: unknown, ctx: OffersContext) => ctx.loaders.commissionsBySettlementId.load(s.id),
};
