import { and, eq, gt, lte, or, type SQL } from 'drizzle-orm';
import type { CouponStatus, CouponTemplateStatus } from '../__generated__/resolvers-types.ts';
import type { CouponRow, CouponTemplateRow } from '../context.ts';
import { coupons } from '../tables.ts';

/** A template's status at `now`: the claim window first, then the stock. */
export function templateStatus(
  t: Pick<CouponTemplateRow, 'claimStartsAt' | 'claimEndsAt' | 'remainingStock'>,
  now: Date,
): CouponTemplateStatus {
  if (now < t.claimStartsAt) return 'UPCOMING';
  if (now >= t.claimEndsAt) return 'ENDED';
  return t.remainingStock > 0 ? 'ACTIVE' : 'SOLD_OUT';
}

/** A coupon's status at `now`: an unused coupon past its expiry reads as EXPIRED before any job marks it. */
export function couponStatus(c: Pick<CouponRow, 'status' | 'expiresAt'>, now: Date): CouponStatus {
  return c.status === 'AVAILABLE' && now >= c.expiresAt ? 'EXPIRED' : c.status;
}

/** The SQL filter matching `couponStatus(row, now) === status`, so lists and single reads agree. */
export function couponStatusWhere(status: CouponStatus, now: Date): SQL | undefined {
  switch (status) {
    case 'AVAILABLE':
      return and(eq(coupons.status, 'AVAILABLE'), gt(coupons.expiresAt, now));
    case 'EXPIRED':
      return or(eq(coupons.status, 'EXPIRED'), and(eq(coupons.status, 'AVAILABLE'), lte(coupons.expiresAt, now)));
    case 'REDEEMED':
      return eq(coupons.status, 'REDEEMED');
  }
}
