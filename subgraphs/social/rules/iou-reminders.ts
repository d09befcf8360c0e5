import { and, inArray, lte, sql } from 'drizzle-orm';
import { newId } from '../../contract/ids.ts';
import type { SystemActor } from '../../shared/actors.ts';
import type { IouReminderKind } from '../__generated__/resolvers-types.ts';
import type { SocialDb } from '../context.ts';
import { iouReminders, ious } from '../tables.ts';
import { REPAYABLE } from './iou-status.ts';

export const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** BEFORE_DUE goes out in the last three days before the due date. */
export const BEFORE_DUE_MS = 3 * DAY;

/**
 * Which reminder an unpaid active or overdue IOU is due for at `now`, and the window that makes it unique; or
 * null. BEFORE_DUE in the three days before the due date, ON_DUE on the due day, then OVERDUE once per week.
 */
export function reminderFor(dueAt: Date, now: Date): { kind: IouReminderKind; dueWindow: string } | null {
  const due = dueAt.toISOString();
  const sinceDue = now.getTime() - dueAt.getTime();
  if (sinceDue < -BEFORE_DUE_MS) return null;
  if (sinceDue < 0) return { kind: 'BEFORE_DUE', dueWindow: due };
  if (sinceDue < DAY) return { kind: 'ON_DUE', dueWindow: due };
  // Overdue reminders repeat weekly, once per week after the due day.
  return { kind: 'OVERDUE', dueWindow: `${due}/week-${Math.floor((sinceDue - DAY) / (7 * DAY))}` };
}

/**
 * Records the reminders unpaid active or overdue IOUs are due for at `now`. The unique (iou, kind, window) index makes a
 * re-run at the same time insert nothing, so the scheduler and `npm run jobs` never remind twice.
 */
export function sendIouReminders(db: SocialDb, now: Date, _actor: SystemActor): { processed: number } {
  return db.transaction((tx) => {
    const candidates = tx
      .select({ id: ious.id, dueAt: ious.dueAt })
      .from(ious)
      .where(
        and(
          inArray(ious.status, REPAYABLE),
          lte(ious.dueAt, new Date(now.getTime() + BEFORE_DUE_MS)),
          sql`${ious.repaidFen} < ${ious.principalFen}`,
        ),
      )
      .all();
    const rows = candidates.flatMap((iou) => {
      const reminder = reminderFor(iou.dueAt, now);
      return reminder ? [{ id: newId('iorm'), iouId: iou.id, ...reminder, sentAt: now }] : [];
    });
    let processed = 0;
    for (let i = 0; i < rows.length; i += 500) {
      processed += tx
        .insert(iouReminders)
        .values(rows.slice(i, i + 500))
        .onConflictDoNothing()
        .run().changes;
    }
    return { processed };
  });
}
