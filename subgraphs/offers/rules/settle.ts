import { eq } from 'drizzle-orm';
import { newId } from '../../contract/ids.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import { commissionFen } from '../../shared/money.ts';
import type { CommissionRow, OffersTx, SettlementRow } from '../context.ts';
import { commissions, merchantTerms, settlements } from '../tables.ts';

/** What is being settled to a merchant, once per source (unique on source kind and id). */
export type SettlementSource = Pick<
  SettlementRow,
  'merchantId' | 'sourceKind' | 'sourceId' | 'amountFen' | 'liveStreamId'
>;

/** The merchant's settlement rate; a merchant without terms is a broken seed, not a user error. */
function settlementRateBps(tx: OffersTx, merchantId: string): number {
  const terms = tx.select().from(merchantTerms).where(eq(merchantTerms.merchantId, merchantId)).get();
  if (!terms) throw new Error(`offers has no settlement terms for merchant ${merchantId}`);
  return terms.settlementRateBps;
}

/**
 * Settles an amount to a merchant and records the platform fee on it (amount × rate, half-up to the fen).
 * Runs inside the caller's transaction: the settlement and its commission are written together or not at all.
 */
export function settle(tx: OffersTx, now: Date, source: SettlementSource, options: RuleOptions = {}): CommissionRow {
  const rateBps = settlementRateBps(tx, source.merchantId);
  const settlementId = newId('stl');
  tx.insert(settlements)
    .values({ id: settlementId, ...source, createdAt: now })
    .run();
  options.afterStep?.('settled');
  const commission = tx
    .insert(commissions)
    .values({
      id: newId('com'),
      merchantId: source.merchantId,
      settlementId,
      kind: 'PLATFORM_FEE',
      rateBps,
      baseAmountFen: source.amountFen,
      amountFen: commissionFen(source.amountFen, rateBps),
      createdAt: now,
    })
    .returning()
    .get();
  recordEvent(tx, {
    type: 'settlement.recorded',
    entityId: settlementId,
    occurredAt: now,
    payload: {
      settlementId,
      merchantId: source.merchantId,
      sourceKind: source.sourceKind,
      sourceId: source.sourceId,
      amountFen: source.amountFen,
      commissionFen: commission.amountFen,
      rateBps,
      liveStreamId: source.liveStreamId,
      createdAt: now.toISOString(),
    },
  });
  return commission;
}
