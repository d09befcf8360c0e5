import { isFenBetween, MAX_PERSONAL_FEN } from '../../shared/money.ts';

/** Largest amount one IOU, repayment or group payment may carry (`MAX_PERSONAL_FEN`: 100 000 yuan). */
export const MAX_AMOUNT_FEN = MAX_PERSONAL_FEN;

/** Whether `fen` is a whole, positive amount within `MAX_AMOUNT_FEN`. */
export function isValidAmount(fen: number): boolean {
  return isFenBetween(fen, 1, MAX_AMOUNT_FEN);
}
