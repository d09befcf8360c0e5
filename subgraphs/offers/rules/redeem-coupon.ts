import { and, eq, gt } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { type MerchantActor, notActingFor } from '../../shared/actors.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import { idempotentTransaction, type ReplayedRows } from '../../shared/idempotency.ts';
import { invalidAmount, MAX_FEN, mulDivHalfUp } from '../../shared/money.ts';
import type { RedeemCouponInput } from '../__generated__/resolvers-types.ts';
import type { CouponTemplateRow, OffersDb, OffersTx, RedeemCouponPayloadRow } from '../context.ts';
import { commissions, coupons, couponTemplates, storeMerchants } from '../tables.ts';
import { settle } from './settle.ts';
import { couponStatus } from './status.ts';

const OPERATION = 'redeemCoupon';
/** What a redemption's key stores the ids of (`{ couponId, commissionId }`). */
const REDEEMED = { coupon: coupons, commission: commissions };

const failed = (error: UserError): RedeemCouponPayloadRow => ({
  coupon: null,
  discountFen: null,
  payableFen: null,
  commission: null,
  userErrors: [error],
});

/**
 * The discount a coupon gives on an order, exactly: a fixed amount never exceeds the order; a percentage
 * is rounded half-up to the fen and then capped.
 */
export function couponDiscountFen(
  template: Pick<CouponTemplateRow, 'kind' | 'faceValueFen' | 'percentOff' | 'capFen'>,
  orderAmountFen: number,
): number {
  if (template.kind === 'FIXED_AMOUNT') return Math.min(template.faceValueFen ?? 0, orderAmountFen);
  const discount = mulDivHalfUp(orderAmountFen, template.percentOff ?? 0, 100);
  return template.capFen === null ? discount : Math.min(discount, template.capFen);
}

/**
 * A store redeems a user's coupon on an order: checks store, status, expiry and minimum spend, marks the
 * coupon REDEEMED, settles the payable amount to the merchant and records the platform fee — all in one
 * immediate transaction. The resolver made the actor: merchant:offers for the coupon's merchant.
 */
export function redeemCoupon(
  db: OffersDb,
  now: Date,
  actor: MerchantActor,
  input: RedeemCouponInput,
  options: RuleOptions = {},
): RedeemCouponPayloadRow {
  // idempotentTransaction refuses a bad key first; every other check is in the attempt, after the replay, so a
  // refusal is stored under the key and a retry of an accepted redemption replays it whatever rule came since.
  const { idempotencyKey: key, ...request } = input;
  return idempotentTransaction(db, { actor, key, operation: OPERATION, request, now }, (tx) => ({
    entities: REDEEMED,
    attempt: () => attemptRedeem(tx, now, actor, input, options),
    refuse: failed,
    // The amounts are not entities: they are read back from the redeemed coupon.
    replay: ({ coupon, commission }: ReplayedRows<typeof REDEEMED>) => ({
      coupon,
      discountFen: coupon?.discountFen ?? null,
      payableFen: coupon?.payableFen ?? null,
      commission,
      userErrors: [],
    }),
  }));
}

function attemptRedeem(
  tx: OffersTx,
  now: Date,
  actor: MerchantActor,
  input: RedeemCouponInput,
  options: RuleOptions,
): RedeemCouponPayloadRow {
  // Bounded so that no sum of settlements (a live stream's sales, a merchant's takings) can leave SafeInt.
  const badAmount = invalidAmount(input.orderAmountFen, 'orderAmountFen', { max: MAX_FEN });
  if (badAmount) return failed(badAmount);
  const coupon = tx.select().from(coupons).where(eq(coupons.id, input.couponId)).get();
  const template = coupon && tx.select().from(couponTemplates).where(eq(couponTemplates.id, coupon.templateId)).get();
  if (!coupon || !template) {
    return failed(userError('NOT_FOUND', `No coupon ${input.couponId}: check the id.`, ['input', 'couponId']));
  }
  // The resolver made the actor from the coupon it saw; inside the transaction the coupon must still be its merchant's.
  if (template.merchantId !== actor.merchantId) throw notActingFor(template.merchantId);
  const store = tx.select().from(storeMerchants).where(eq(storeMerchants.storeId, input.storeId)).get();
  if (!store) return failed(userError('NOT_FOUND', `No store ${input.storeId}: check the id.`, ['input', 'storeId']));
  if (store.merchantId !== template.merchantId) {
    return failed(
      userError(
        'STORE_MISMATCH',
        `Store ${input.storeId} is not a store of ${template.merchantId}, which issued the coupon.`,
        ['input', 'storeId'],
      ),
    );
  }
  const status = couponStatus(coupon, now);
  if (status === 'REDEEMED') {
    return failed(userError('ALREADY_REDEEMED', 'This coupon was already used on an order.', ['input', 'couponId']));
  }
  if (status === 'EXPIRED') {
    return failed(
      userError('COUPON_EXPIRED', `This coupon expired at ${coupon.expiresAt.toISOString()}.`, ['input', 'couponId']),
    );
  }
  if (input.orderAmountFen < template.minSpendFen) {
    return failed(
      userError('MIN_SPEND_NOT_MET', `The order must be at least ${template.minSpendFen} fen for this coupon.`, [
        'input',
        'orderAmountFen',
      ]),
    );
  }
  const discountFen = couponDiscountFen(template, input.orderAmountFen);
  const payableFen = input.orderAmountFen - discountFen;
  // Conditional on AVAILABLE and unexpired, so the coupon is used once even if the check above were stale.
  const redeemed = tx
    .update(coupons)
    .set({
      status: 'REDEEMED',
      redeemedAt: now,
      redeemedStoreId: input.storeId,
      orderAmountFen: input.orderAmountFen,
      discountFen,
      payableFen,
    })
    .where(and(eq(coupons.id, coupon.id), eq(coupons.status, 'AVAILABLE'), gt(coupons.expiresAt, now)))
    .returning()
    .get();
  if (!redeemed) {
    return failed(userError('ALREADY_REDEEMED', 'This coupon was already used on an order.', ['input', 'couponId']));
  }
  options.afterStep?.('coupon-redeemed');
  const commission = settle(
    tx,
    now,
    {
      merchantId: template.merchantId,
      sourceKind: 'COUPON_REDEMPTION',
      sourceId: coupon.id,
      amountFen: payableFen,
      liveStreamId: coupon.liveStreamId,
    },
    options,
  );
  recordEvent(tx, {
    type: 'coupon.redeemed',
    entityId: redeemed.id,
    occurredAt: now,
    payload: {
      couponId: redeemed.id,
      templateId: redeemed.templateId,
      merchantId: template.merchantId,
      storeId: input.storeId,
      userId: redeemed.userId,
      orderAmountFen: input.orderAmountFen,
      discountFen,
      payableFen,
      redeemedAt: now.toISOString(),
      liveStreamId: coupon.liveStreamId,
    },
  });
  return { coupon: redeemed, discountFen, payableFen, commission, userErrors: [] };
}
