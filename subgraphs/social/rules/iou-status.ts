import { and, eq, gte, lt, or, type SQL, sql } from 'drizzle-orm';
import { ious } from '../tables.ts';

export type IouStatus = 'PENDING' | 'ACTIVE' | 'REPAID' | 'OVERDUE' | 'DECLINED';

type IouStatusFields = { status: string; dueAt: Date; principalFen: number; repaidFen: number };

/**
 * The status clients see. The overdue job persists OVERDUE, but between its runs an ACTIVE IOU past due with
 * money outstanding is already OVERDUE: reading never waits for the scheduler.
 */
export function iouStatus(iou: IouStatusFields, now: Date): IouStatus {
  if (iou.status === 'ACTIVE' && iou.dueAt.getTime() < now.getTime() && iou.repaidFen < iou.principalFen) {
    return 'OVERDUE';
  }
  return iou.status as IouStatus;
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
