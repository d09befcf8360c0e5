import { eq } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import type { OperatorActor } from '../../shared/actors.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import type { MerchantRow, MerchantsDb } from '../context.ts';
import { merchants } from '../tables.ts';

/** The bounds of a settlement rate in basis points: 0 (the platform takes nothing) to 10000 (all of it). */
export const MIN_RATE_BPS = 0;
export const MAX_RATE_BPS = 10_000;

export interface SetSettlementRateResult {
  merchant: MerchantRow | null;
  userErrors: UserError[];
}

/**
 * Sets a merchant's settlement rate (an operator's act: the resolver made the actor from `platform:admin`) and
 * records `merchant.settlement_rate_changed` in the same transaction; offers applies it to every commission computed
 * after it receives the event. The rate a merchant already has changes nothing and records nothing, so a retry is safe.
 */
export function setSettlementRate(
  db: MerchantsDb,
  now: Date,
  _actor: OperatorActor,
  input: { merchantId: string; rateBps: number },
  options: RuleOptions = {},
): SetSettlementRateResult {
  const { merchantId, rateBps } = input;
  if (!Number.isSafeInteger(rateBps) || rateBps < MIN_RATE_BPS || rateBps > MAX_RATE_BPS) {
    const message = `rateBps is basis points from ${MIN_RATE_BPS} to ${MAX_RATE_BPS} (110 = 1.1%), got ${rateBps}.`;
    return { merchant: null, userErrors: [userError('INVALID_INPUT', message, ['rateBps'])] };
  }
  return db.transaction(
    (tx) => {
      const merchant = tx.select().from(merchants).where(eq(merchants.id, merchantId)).get();
      if (!merchant) {
        const message = `No merchant has id "${merchantId}": pass the id of an existing merchant.`;
        return { merchant: null, userErrors: [userError('NOT_FOUND', message, ['merchantId'])] };
      }
      if (merchant.settlementRateBps === rateBps) return { merchant, userErrors: [] };
      const updated = tx
        .update(merchants)
        .set({ settlementRateBps: rateBps })
        .where(eq(merchants.id, merchantId))
        .returning()
        .get();
      if (!updated) throw new Error(`merchant ${merchantId} vanished inside an immediate transaction`);
      recordEvent(tx, {
        type: 'merchant.settlement_rate_changed',
        entityId: merchantId,
        payload: { merchantId, settlementRateBps: rateBps, previousRateBps: merchant.settlementRateBps },
        occurredAt: now,
      });
      // Tests throw here: a failure after both writes must leave neither the change nor its event.
      options.afterStep?.('event');
      return { merchant: updated, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}
