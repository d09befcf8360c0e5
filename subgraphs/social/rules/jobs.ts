import { SYSTEM } from '../../shared/actors.ts';
import type { SubgraphJob } from '../../shared/jobs.ts';
import type { SocialDb } from '../context.ts';
import { markOverdueIous } from './iou-overdue.ts';
import { HOUR, sendIouReminders } from './iou-reminders.ts';

/** The social subgraph's deadline jobs, in the order they run (overdue first: reminders then see it). */
export const socialJobs: SubgraphJob<SocialDb>[] = [
  { name: 'iou-overdue', intervalMs: 5 * 60_000, run: (db, now) => markOverdueIous(db, now, SYSTEM) },
  { name: 'iou-reminders', intervalMs: HOUR, run: (db, now) => sendIouReminders(db, now, SYSTEM) },
];
