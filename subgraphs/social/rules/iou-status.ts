import { and, eq, gte, lt, or, type SQL, sql } from 'drizzle-orm';
import type { IouStatus } from '../__generated__/resolvers-types.ts';
import type { IouRow } from '../context.ts';
import { ious } from '../tables.ts';

type IouStatusFields = Pick<IouRow, 'status' | 'dueAt' | 'principalFen' | 'repaidFen'>;

/** IOU states a borrower can still repay and is reminded of (OVERDUE is persisted by the overdue job, or derived). */
export const REPAYABLE: IouStatus[] = ['ACTIVE', 'OVERDUE'];

/**
 * The status clients see. The overdue job persists OVERDUE, but between its runs an ACTIVE IOU past due with
 * money outstanding is already OVERDUE: reading never waits for the scheduler.
 */
export function iouStatus(iou: IouStatusFields, now: Date): IouStatus {
  if (iou.status === 'ACTIVE' && iou.dueAt.getTime() < now.getTime() && iou.repaidFen < iou.principalFen) {
    return 'OVERDUE';
  }
  return iou.status;
}

/** ACTIVE IOUs past due with money outstanding: OVERDUE to readers, and what the overdue job persists. */
export function lateActiveCondition(now: Date): SQL | undefined {
  return and(eq(ious.status, 'ACTIVE'), lt(ious.dueAt, now), sql`${ious.repaidFen} < ${ious.principalFen}`);
}

/** SQL condition matching exactly the IOUs for which `iouStatus(row, now) === status`. */
export function iouStatusCondition(status: IouStatus, now: Date): SQL | undefined {
  if (status === 'OVERDUE') return or(eq(ious.status, 'OVERDUE'), lateActiveCondition(now));
  if (status === 'ACTIVE') {
    return and(eq(ious.status, 'ACTIVE'), or(gte(ious.dueAt, now), sql`${ious.repaidFen} >= ${ious.principalFen}`));
  }
  return eq(ious.status, status);
}
