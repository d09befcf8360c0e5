/** Requests, cost points spent and throttled requests of one key over some minutes. */
export interface UsageTotals {
  requests: number;
  costPoints: number;
  throttled: number;
}

/** One key's usage in one minute, as `api_key_usage` holds it. */
export interface UsageRow extends UsageTotals {
  keyId: string;
  /** Epoch ms of the minute's start. */
  minute: number;
}

export const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Usage rows are kept this long: a day's window and a week's margin for an operator looking back. */
export const USAGE_RETENTION_MS = 8 * DAY_MS;

/** The start of the minute `at` falls in (epoch ms). */
export function minuteOf(at: number): number {
  return at - (at % MINUTE_MS);
}

/**
 * The minutes that make up "the last hour" and "the last day" at `now`: the current minute and the 59 (or 1,439)
 * before it, so a use counts in a window for between 59 and 60 minutes (or 23 h 59 min and 24 h).
 */
export function usageWindows(now: Date): { hourFrom: number; dayFrom: number; to: number } {
  const to = minuteOf(now.getTime());
  return { hourFrom: to - HOUR_MS + MINUTE_MS, dayFrom: to - DAY_MS + MINUTE_MS, to };
}

export const noUsage = (): UsageTotals => ({ requests: 0, costPoints: 0, throttled: 0 });

function addTo(totals: UsageTotals, more: UsageTotals): void {
  totals.requests += more.requests;
  totals.costPoints += more.costPoints;
  totals.throttled += more.throttled;
}

/** Usage noted in memory and not yet written, per key per minute (bounded by keys × minutes between flushes). */
export class PendingUsage {
  private readonly byKey = new Map<string, Map<number, UsageTotals>>();
  private rows = 0;

  /** (key, minute) rows waiting to be written. */
  get size(): number {
    return this.rows;
  }

  add(keyId: string, minute: number, usage: UsageTotals): void {
    let minutes = this.byKey.get(keyId);
    if (!minutes) {
      minutes = new Map();
      this.byKey.set(keyId, minutes);
    }
    let totals = minutes.get(minute);
    if (!totals) {
      totals = noUsage();
      minutes.set(minute, totals);
      this.rows += 1;
    }
    addTo(totals, usage);
  }

  /** Takes every pending row, leaving none: the caller writes them or gives them back with `restore`. */
  drain(): UsageRow[] {
    const rows: UsageRow[] = [];
    for (const [keyId, minutes] of this.byKey)
      for (const [minute, totals] of minutes) rows.push({ keyId, minute, ...totals });
    this.byKey.clear();
    this.rows = 0;
    return rows;
  }

  /** Gives back rows a failed write could not store, except those already past retention (they would be pruned). */
  restore(rows: UsageRow[], now: number): void {
    for (const { keyId, minute, ...totals } of rows)
      if (minute >= now - USAGE_RETENTION_MS) this.add(keyId, minute, totals);
  }

  /** One key's pending usage in the minutes `from` to `to` (inclusive). */
  totals(keyId: string, from: number, to: number): UsageTotals {
    const sum = noUsage();
    for (const [minute, totals] of this.byKey.get(keyId) ?? []) if (minute >= from && minute <= to) addTo(sum, totals);
    return sum;
  }
}

/** Adds one totals object into another, returning it (for written rows plus pending ones). */
export function sumUsage(a: UsageTotals, b: UsageTotals): UsageTotals {
  const sum = noUsage();
  addTo(sum, a);
  addTo(sum, b);
  return sum;
}
