/** Money as the API shows it: integer fen, a yuan string for display, and the currency. */
export interface Money {
  fen: number;
  yuan: string;
  currency: 'CNY';
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
