/** Largest amount one IOU or group payment may carry: 100 000 yuan, so a typo cannot record a fortune. */
export const MAX_AMOUNT_FEN = 10_000_000;

/** Whether `fen` is a whole, positive amount within `MAX_AMOUNT_FEN`. */
export function isValidAmount(fen: number): boolean {
  return Number.isSafeInteger(fen) && fen >= 1 && fen <= MAX_AMOUNT_FEN;
}
