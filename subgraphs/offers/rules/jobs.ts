import { and, eq, inArray, isNull, lte } from 'drizzle-orm';
import { SYSTEM, type SystemActor } from '../../shared/actors.ts';
import type { SubgraphJob } from '../../shared/jobs.ts';
import type { OffersDb } from '../context.ts';
import { coupons, groupBuyGroups, groupBuyMembers } from '../tables.ts';
import { recordGroupOutcomes } from './events.ts';

const MINUTE_MS = 60_000;
const CHUNK = 500;

/**
 * Fails every group still FORMING past its deadline and refunds all its members, in one transaction.
 * Idempotent: a failed group is no longer FORMING, and a refunded member keeps its first `refunded_at`.
 */
export function expireGroupBuys(db: OffersDb, now: Date, _actor: SystemActor): { processed: number } {
  return db.transaction(
    (tx) => {
      const ids = tx
        .select({ id: groupBuyGroups.id })
        .from(groupBuyGroups)
        .where(and(eq(groupBuyGroups.status, 'FORMING'), lte(groupBuyGroups.expiresAt, now)))
        .all()
        .map((g) => g.id);
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        tx.update(groupBuyMembers)
          .set({ refundedAt: now })
          .where(and(inArray(groupBuyMembers.groupId, chunk), isNull(groupBuyMembers.refundedAt)))
          .run();
        tx.update(groupBuyGroups)
          .set({ status: 'FAILED', failedAt: now })
          .where(and(inArray(groupBuyGroups.id, chunk), eq(groupBuyGroups.status, 'FORMING')))
          .run();
        recordGroupOutcomes(tx, now, 'group.failed', chunk);
      }
      return { processed: ids.length };
    },
    { behavior: 'immediate' },
  );
}

/** Marks every unused coupon past its expiry EXPIRED (reads already show it so; this makes the rows agree). */
export function expireCoupons(db: OffersDb, now: Date, _actor: SystemActor): { processed: number } {
  const result = db
    .update(coupons)
    .set({ status: 'EXPIRED' })
    .where(and(eq(coupons.status, 'AVAILABLE'), lte(coupons.expiresAt, now)))
    .run();
  return { processed: result.changes };
}

/** The offers deadline rules, run by the in-process scheduler and `npm run jobs -- run-once`. */
export const offersJobs: readonly SubgraphJob<OffersDb>[] = [
  { name: 'group-buy-expiry', intervalMs: MINUTE_MS, run: (db, now) => expireGroupBuys(db, now, SYSTEM) },
  { name: 'coupon-expiry', intervalMs: 5 * MINUTE_MS, run: (db, now) => expireCoupons(db, now, SYSTEM) },
];
