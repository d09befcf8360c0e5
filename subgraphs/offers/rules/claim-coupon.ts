import { and, count, eq, gt, sql } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import type { UserActor } from '../../shared/actors.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import { DAY_MS } from '../../shared/horizon.ts';
import { idempotentTransaction } from '../../shared/idempotency.ts';
import type { ClaimCouponInput } from '../__generated__/resolvers-types.ts';
import type { CouponRow, OffersDb, OffersTx } from '../context.ts';
import { recordConversion } from '../lights/charge.ts';
import { coupons, couponTemplates } from '../tables.ts';

const OPERATION = 'claimCoupon';
/** The form of a live stream id (`lvs_` then letters, digits and underscores), as content mints them. */
const LIVE_STREAM_ID = /^lvs_[A-Za-z0-9_]{1,100}$/;

export interface ClaimCouponResult {
  coupon: CouponRow | null;
  userErrors: UserError[];
}

const failed = (error: UserError): ClaimCouponResult => ({ coupon: null, userErrors: [error] });

/**
 * Claims one coupon for the user in one immediate transaction: window, per-user limit, then a conditional
 * stock decrement, so concurrent claims (even from other processes) never oversell. The same key with the
 * same input replays the first outcome, a refusal included.
 */
export function claimCoupon(
  db: OffersDb,
  now: Date,
  actor: UserActor,
  input: ClaimCouponInput,
  options: RuleOptions = {},
): ClaimCouponResult {
  const request = { templateId: input.templateId, liveStreamId: input.liveStreamId ?? null };
  return idempotentTransaction(db, { actor, key: input.idempotencyKey, operation: OPERATION, request, now }, (tx) => ({
    entities: { coupon: coupons },
    attempt: () => attemptClaim(tx, now, actor.userId, request, options),
    refuse: failed,
  }));
}

function attemptClaim(
  tx: OffersTx,
  now: Date,
  userId: string,
  request: { templateId: string; liveStreamId: string | null },
  options: RuleOptions,
): ClaimCouponResult {
  // Offers has no copy of content's streams (a stream scheduled a minute ago would be refused by a stale one),
  // so only the id's form is checked here; a stream that does not feature the template never counts the
  // sale (LiveStream.sales), so naming any stream credits nothing.
  if (request.liveStreamId !== null && !LIVE_STREAM_ID.test(request.liveStreamId)) {
    return failed(
      userError('INVALID_INPUT', 'liveStreamId must be the id of a live stream (`lvs_...`), or absent.', [
        'input',
        'liveStreamId',
      ]),
    );
  }
  const field = ['input', 'templateId'];
  const template = tx.select().from(couponTemplates).where(eq(couponTemplates.id, request.templateId)).get();
  if (!template) {
    return failed(userError('NOT_FOUND', `No coupon template ${request.templateId}: check the id.`, field));
  }
  if (now < template.claimStartsAt) {
    return failed(
      userError(
        'NOT_STARTED',
        `Claiming opens at ${template.claimStartsAt.toISOString()}: try again then, with a new idempotencyKey.`,
        field,
      ),
    );
  }
  if (now >= template.claimEndsAt) {
    return failed(userError('ENDED', 'The claim window of this coupon has closed: look for a newer offer.', field));
  }
  const claimed =
    tx
      .select({ n: count() })
      .from(coupons)
      .where(and(eq(coupons.templateId, template.id), eq(coupons.userId, userId)))
      .get()?.n ?? 0;
  if (claimed >= template.perUserLimit) {
    return failed(
      userError(
        'LIMIT_REACHED',
        `You already claimed ${claimed} of at most ${template.perUserLimit} from this template: use one first.`,
        field,
      ),
    );
  }
  const taken = tx
    .update(couponTemplates)
    .set({ remainingStock: sql`${couponTemplates.remainingStock} - 1` })
    .where(and(eq(couponTemplates.id, template.id), gt(couponTemplates.remainingStock, 0)))
    .run();
  if (taken.changes === 0) {
    return failed(userError('SOLD_OUT', 'This coupon is sold out: no stock is left to claim.', field));
  }
  options.afterStep?.('stock-taken');
  const coupon: CouponRow = {
    id: newId('cpn'),
    templateId: template.id,
    userId,
    status: 'AVAILABLE',
    claimedAt: now,
    expiresAt: new Date(now.getTime() + template.validDays * DAY_MS),
    redeemedAt: null,
    redeemedStoreId: null,
    orderAmountFen: null,
    discountFen: null,
    payableFen: null,
    liveStreamId: request.liveStreamId,
  };
  tx.insert(coupons).values(coupon).run();
  // Lights: a claim within 24 h of the user's click on a campaign promoting this template is its conversion.
  recordConversion(tx, now, { userId, targetId: template.id, sourceKind: 'coupon', sourceId: coupon.id });
  recordEvent(tx, {
    type: 'coupon.claimed',
    entityId: coupon.id,
    occurredAt: now,
    payload: {
      couponId: coupon.id,
      templateId: template.id,
      merchantId: template.merchantId,
      userId,
      liveStreamId: coupon.liveStreamId,
      claimedAt: now.toISOString(),
    },
  });
  options.afterStep?.('event');
  return { coupon, userErrors: [] };
}
