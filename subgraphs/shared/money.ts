import { type UserError, userError } from '../contract/errors.ts';

/** Money as the API shows it: integer fen, a yuan string for display, and the currency. */
export interface Money {
  fen: number;
  yuan: string;
  currency: 'CNY';
}

/**
 * The largest fen any merchant-side input may carry (an order amount, a face value, a cap, a minimum spend, a
 * price): 100 000 000 fen (1 000 000 yuan). Far above any real coupon or order, and far below trouble: a sum
 * of settlements reaches Number.MAX_SAFE_INTEGER only after 90 million orders at this maximum.
 */
export const MAX_FEN = 100_000_000;

/**
 * The largest fen between people (an IOU's principal or repayment, a group payment's total): 10 000 000 fen
 * (100 000 yuan), so a typo cannot record a fortune.
 */
export const MAX_PERSONAL_FEN = 10_000_000;

/** Whether `fen` is a whole number of fen from `min` to `max`. */
export function isFenBetween(fen: number | null | undefined, min: number, max: number): fen is number {
  return fen != null && Number.isSafeInteger(fen) && fen >= min && fen <= max;
}

/**
 * The INVALID_INPUT for an amount of an input (`field`, at `['input', field]`) that is not a whole number of fen from
 * `min` to `max`, or null when it is one. Every amount a client sends is checked with it.
 */
export function invalidAmount(
  fen: number | null | undefined,
  field: string,
  { min = 1, max }: { min?: number; max: number },
): UserError | null {
  if (isFenBetween(fen, min, max)) return null;
  return userError('INVALID_INPUT', `${field} must be a whole number of fen from ${min} to ${max}.`, ['input', field]);
}

/**
 * A total of fen as a safe integer, or an Error saying that it cannot be shown exactly. Sum in BigInt (or SQLite
 * integers) first and convert here: a total must fail alone, never turn into a rounded float.
 */
export function safeFenTotal(total: bigint, what: string): number | Error {
  if (total <= BigInt(Number.MAX_SAFE_INTEGER) && total >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(total);
  return new Error(
    `${what} is ${total} fen, beyond what a SafeInt can show exactly; the stored data needs an operator's review.`,
  );
}

/** Wraps integer fen for the API. Throws on non-integers: no floating point ever touches money. */
export function toMoney(fen: number): Money {
  if (!Number.isSafeInteger(fen)) throw new Error(`money must be a safe integer of fen, got ${fen}`);
  const abs = Math.abs(fen);
  const yuan = `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return { fen, yuan, currency: 'CNY' };
}

/**
 * `amountFen × numerator / denominator`, rounded half-up to the fen, in exact integer arithmetic.
 * Used for rates in basis points (denominator 10 000) and percentages (denominator 100).
 */
export function mulDivHalfUp(amountFen: number, numerator: number, denominator: number): number {
  if (amountFen < 0 || numerator < 0 || denominator <= 0) throw new Error('mulDivHalfUp takes non-negative values');
  const product = BigInt(amountFen) * BigInt(numerator);
  const d = BigInt(denominator);
  return Number((product * 2n + d) / (2n * d));
}

/** Platform commission: settled amount × rate (basis points), rounded half-up to the fen. */
export function commissionFen(settledFen: number, rateBps: number): number {
  return mulDivHalfUp(settledFen, rateBps, 10_000);
}

/**
 * Splits a total among `parts` people: each gets the total divided equally, rounded down to the fen,
 * and the remaining fen go one each to the first participants (organizer first). 100 / 3 → 34, 33, 33.
 */
export function splitEvenly(totalFen: number, parts: number): number[] {
  if (!Number.isSafeInteger(totalFen) || totalFen < 0) throw new Error('total must be non-negative integer fen');
  if (!Number.isInteger(parts) || parts < 1) throw new Error('parts must be a positive integer');
  const base = Math.floor(totalFen / parts);
  const remainder = totalFen - base * parts;
  return Array.from({ length: parts }, (_, i) => base + (i < remainder ? 1 : 0));
}
