/**
 * Lights' days are Asia/Shanghai calendar days: daily budgets and frequency caps reset at local midnight. Shanghai
 * has kept UTC+8 without daylight saving since 1991, so the day is the UTC date eight hours later.
 */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
export const DAY_MS = 86_400_000;

/** The Asia/Shanghai calendar day of `at`, as YYYY-MM-DD. */
export function shanghaiDay(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The first instant of the Asia/Shanghai day after the one `at` falls in. */
export function nextShanghaiMidnight(at: Date): Date {
  const local = at.getTime() + SHANGHAI_OFFSET_MS;
  return new Date(Math.floor(local / DAY_MS) * DAY_MS + DAY_MS - SHANGHAI_OFFSET_MS);
}

/** Milli-fen (spend) as fen for display, rounded half-up. */
export function milliFenToFen(milliFen: number): number {
  return Math.floor((milliFen + 500) / 1000);
}
