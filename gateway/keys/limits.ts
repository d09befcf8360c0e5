/** A partner key's own cost-point bucket: refilled at `pointsPerSecond`, holding at most `bucketPoints`. */
export interface KeyRateLimit {
  pointsPerSecond: number;
  bucketPoints: number;
}

/** What a key's own limits may be (`keys create --rate/--bucket`). */
export const RATE_LIMIT_BOUNDS: Record<keyof KeyRateLimit, { min: number; max: number; unit: string }> = {
  pointsPerSecond: { min: 1, max: 100_000, unit: 'points per second' },
  bucketPoints: { min: 1, max: 10_000_000, unit: 'points' },
};

/** How each limit is called where it was given: the CLI's flags by default. */
export type LimitNames = Record<keyof KeyRateLimit, string>;
const FLAGS: LimitNames = { pointsPerSecond: '--rate', bucketPoints: '--bucket' };

/** "--rate must be a whole number of points per second from 1 to 100000": the rule for one limit. */
export function limitRule(field: keyof KeyRateLimit, names: LimitNames = FLAGS): string {
  const { min, max, unit } = RATE_LIMIT_BOUNDS[field];
  return `${names[field]} must be a whole number of ${unit} from ${min} to ${max}`;
}

/**
 * Why a key's own limits cannot be stored, or null when they can: whole numbers within `RATE_LIMIT_BOUNDS`, and a
 * bucket of at least one second of refill (a smaller one could never hold what a second refills).
 */
export function rateLimitProblem(limits: KeyRateLimit, names: LimitNames = FLAGS): string | null {
  for (const field of ['pointsPerSecond', 'bucketPoints'] as const) {
    const value = limits[field];
    const { min, max } = RATE_LIMIT_BOUNDS[field];
    if (!Number.isInteger(value) || value < min || value > max) return `${limitRule(field, names)} (got ${value}).`;
  }
  if (limits.bucketPoints < limits.pointsPerSecond)
    return `${names.bucketPoints} (${limits.bucketPoints}) must be at least ${names.pointsPerSecond} (${limits.pointsPerSecond}): a bucket holds at least one second of refill.`;
  return null;
}
