import type { SystemActor } from '../../shared/actors.ts';
import type { SocialDb } from '../context.ts';
import { ious } from '../tables.ts';
import { lateActiveCondition } from './iou-status.ts';

/**
 * Persists OVERDUE for active IOUs past their due date with money outstanding (reads derive it already; the
 * stored status lets reports and other jobs filter on it). One conditional update: a re-run changes nothing.
 */
export function markOverdueIous(db: SocialDb, now: Date, _actor: SystemActor): { processed: number } {
  const result = db.update(ious).set({ status: 'OVERDUE' }).where(lateActiveCondition(now)).run();
  return { processed: result.changes };
}
