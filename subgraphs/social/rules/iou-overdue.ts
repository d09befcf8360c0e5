import type { SystemActor } from '../../shared/actors.ts';
import type { SocialDb } from '../context.ts';
import { ious } from '../tables.ts';
import { lateActiveCondition } from './iou-status.ts';
import { recordIouEvent } from './ious.ts';

/**
 * Persists OVERDUE for active IOUs past their due date with money outstanding (reads derive it already; the
 * stored status lets reports and other jobs filter on it). One conditional update: a re-run changes nothing.
 */
export function markOverdueIous(db: SocialDb, now: Date, _actor: SystemActor): { processed: number } {
  // One event per IOU marked, in the same transaction, so each party's wallet hears of it exactly once.
  return db.transaction((tx) => {
    const marked = tx.update(ious).set({ status: 'OVERDUE' }).where(lateActiveCondition(now)).returning().all();
    for (const iou of marked) recordIouEvent(tx, 'iou.overdue', iou, now);
    return { processed: marked.length };
  });
}
