import { and, asc, eq, isNull } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import type { MerchantActor } from '../../shared/actors.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import type { MerchantRow, MerchantsDb, MiniProgramRow } from '../context.ts';
import { merchants, miniPrograms } from '../tables.ts';

/** A mini program must have been online this long before its merchant may join the consumption circle. */
export const CIRCLE_MIN_ONLINE_MS = 30 * 86_400_000;

/** When a merchant with these mini programs becomes eligible: 30 days after the first went online; null if none. */
export function eligibleAt(programs: readonly Pick<MiniProgramRow, 'onlineSince'>[]): Date | null {
  if (programs.length === 0) return null;
  const first = Math.min(...programs.map((p) => p.onlineSince.getTime()));
  return new Date(first + CIRCLE_MIN_ONLINE_MS);
}

/** Whether a merchant with these mini programs may join the consumption circle at `now`. */
export function isEligible(programs: readonly Pick<MiniProgramRow, 'onlineSince'>[], now: Date): boolean {
  const at = eligibleAt(programs);
  return at !== null && at.getTime() <= now.getTime();
}

export interface JoinCircleResult {
  merchant: MerchantRow | null;
  userErrors: UserError[];
}

/**
 * Joins the actor's merchant to the consumption circle at `now` (the resolver made the actor: `merchant:offers` for
 * that merchant). Broken rules (unknown merchant, suspended, already a member, no mini program online for 30 days)
 * are user errors and change nothing.
 * Retrying is safe without an idempotency key: joining moves no money or stock, the first joining time is kept and a
 * repeat is the user error ALREADY_MEMBER.
 */
export function joinConsumptionCircle(
  db: MerchantsDb,
  now: Date,
  actor: MerchantActor,
  options: RuleOptions = {},
): JoinCircleResult {
  const input = { merchantId: actor.merchantId };
  return db.transaction((tx) => {
    const merchant = tx.select().from(merchants).where(eq(merchants.id, input.merchantId)).get();
    if (!merchant) {
      return fail(null, 'NOT_FOUND', `No merchant has id "${input.merchantId}": pass the id of an existing merchant.`);
    }
    if (merchant.joinedCircleAt) {
      return fail(
        merchant,
        'ALREADY_MEMBER',
        `${merchant.name} joined the consumption circle on ${merchant.joinedCircleAt.toISOString()}; nothing to do.`,
      );
    }
    if (merchant.status !== 'ACTIVE') {
      return fail(merchant, 'MERCHANT_SUSPENDED', `${merchant.name} is suspended: contact your service provider.`);
    }
    const programs = tx
      .select()
      .from(miniPrograms)
      .where(eq(miniPrograms.merchantId, merchant.id))
      .orderBy(asc(miniPrograms.onlineSince))
      .all();
    if (!isEligible(programs, now)) {
      const at = eligibleAt(programs);
      const message = at
        ? `${merchant.name} becomes eligible on ${at.toISOString()}, 30 days after its mini program "${programs[0]?.name}" went online: try again then.`
        : `${merchant.name} has no mini program: launch one; the merchant becomes eligible 30 days after it goes online.`;
      return fail(merchant, 'NOT_ELIGIBLE', message);
    }
    // Conditional on "not yet joined": whatever interleaves with this call, the first joining time is never overwritten.
    const updated = tx
      .update(merchants)
      .set({ joinedCircleAt: now })
      .where(and(eq(merchants.id, merchant.id), isNull(merchants.joinedCircleAt)))
      .returning()
      .get();
    if (!updated)
      return fail(merchant, 'ALREADY_MEMBER', `${merchant.name} has already joined the consumption circle.`);
    // Offers shows circle members' coupons on the payment-success page: it learns of the join from this event.
    recordEvent(tx, {
      type: 'merchant.updated',
      entityId: updated.id,
      occurredAt: now,
      payload: {
        merchantId: updated.id,
        name: updated.name,
        categoryId: updated.categoryId,
        status: updated.status,
        settlementRateBps: updated.settlementRateBps,
        serviceProviderId: updated.serviceProviderId ?? null,
        city: updated.city,
        joinedCircleAt: now.toISOString(),
      },
    });
    // Tests throw here to prove that a failure after the write rolls the join back.
    options.afterStep?.('joined');
    return { merchant: updated, userErrors: [] };
  });
}

function fail(merchant: MerchantRow | null, code: string, message: string): JoinCircleResult {
  return { merchant, userErrors: [userError(code, message, ['merchantId'])] };
}
