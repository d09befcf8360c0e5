/** How far ahead a client may set a date (due dates, claim windows, campaign ends, schedules): 5 years. */
export const MAX_HORIZON_DAYS = 5 * 365;

/** Milliseconds in a day (the unit of validDays and of the horizon). */
export const DAY_MS = 86_400_000;

/** The latest date a client may give, seen from `now`. */
export function latestAllowedDate(now: Date): Date {
  return new Date(now.getTime() + MAX_HORIZON_DAYS * DAY_MS);
}

/**
 * Why `date` is too far ahead of `now` (a typo such as year 20260 would hold money or stock for centuries),
 * or null when it is within the horizon.
 */
export function beyondHorizonReason(field: string, date: Date, now: Date): string | null {
  const latest = latestAllowedDate(now);
  if (date.getTime() <= latest.getTime()) return null;
  return `${field} must be at most ${MAX_HORIZON_DAYS / 365} years ahead (no later than ${latest.toISOString()}).`;
}
