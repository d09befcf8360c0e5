import { describe, expect, it } from 'vitest';
import {
  commissionFen,
  isFenBetween,
  MAX_FEN,
  MAX_PERSONAL_FEN,
  mulDivHalfUp,
  safeFenTotal,
  splitEvenly,
  toMoney,
} from '../../subgraphs/shared/money.ts';

describe('money is exact integer fen', () => {
  it('formats yuan with two decimals', () => {
    expect(toMoney(0)).toEqual({ fen: 0, yuan: '0.00', currency: 'CNY' });
    expect(toMoney(1).yuan).toBe('0.01');
    expect(toMoney(15_800).yuan).toBe('158.00');
    expect(toMoney(-250).yuan).toBe('-2.50');
    expect(() => toMoney(1.5)).toThrow(/safe integer/);
  });

  it('splits AA totals: equal shares rounded down, remainder one fen each in join order', () => {
    expect(splitEvenly(1, 3)).toEqual([1, 0, 0]);
    expect(splitEvenly(100, 3)).toEqual([34, 33, 33]);
    expect(splitEvenly(15_800, 3)).toEqual([5267, 5267, 5266]);
    expect(splitEvenly(0, 2)).toEqual([0, 0]);
    expect(splitEvenly(7, 1)).toEqual([7]);
    for (const [total, n] of [
      [99_999, 7],
      [1, 10],
      [123_456_789, 13],
    ] as const) {
      const shares = splitEvenly(total, n);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
    expect(() => splitEvenly(10, 0)).toThrow();
  });

  it('rounds commissions half-up to the fen', () => {
    expect(commissionFen(10_000, 110)).toBe(110); // 1.1% of ¥100
    expect(commissionFen(4_545, 110)).toBe(50); // 49.995 → 50
    expect(commissionFen(4_544, 110)).toBe(50); // 49.984 → 50
    expect(commissionFen(4_500, 110)).toBe(50); // 49.5 → 50 (half rounds up)
    expect(commissionFen(4_499, 110)).toBe(49); // 49.489 → 49
    expect(commissionFen(1, 110)).toBe(0);
    expect(commissionFen(0, 110)).toBe(0);
    expect(commissionFen(Number.MAX_SAFE_INTEGER, 10_000)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('computes percent discounts exactly', () => {
    expect(mulDivHalfUp(3_333, 15, 100)).toBe(500); // 499.95 → 500
    expect(mulDivHalfUp(10, 15, 100)).toBe(2); // 1.5 → 2
    expect(mulDivHalfUp(9, 15, 100)).toBe(1); // 1.35 → 1
  });
});

describe('money has bounds', () => {
  it('isFenBetween takes whole fen from min to max only', () => {
    expect(isFenBetween(MAX_FEN, 1, MAX_FEN)).toBe(true);
    expect(isFenBetween(MAX_FEN + 1, 1, MAX_FEN)).toBe(false);
    expect(isFenBetween(0, 1, MAX_FEN)).toBe(false);
    expect(isFenBetween(0, 0, MAX_FEN)).toBe(true);
    expect(isFenBetween(-1, 0, MAX_FEN)).toBe(false);
    expect(isFenBetween(1.5, 1, MAX_FEN)).toBe(false);
    expect(isFenBetween(Number.NaN, 1, MAX_FEN)).toBe(false);
    expect(isFenBetween(null, 1, MAX_FEN)).toBe(false);
    expect(MAX_PERSONAL_FEN).toBeLessThan(MAX_FEN);
  });

  it('a plausible number of maximal settlements stays below SafeInt', () => {
    // Ten million redemptions at the maximum from one live stream still sum exactly.
    expect(MAX_FEN * 10_000_000).toBeLessThan(Number.MAX_SAFE_INTEGER);
    // A group buy settles group price × size (size at most 100): a hundred thousand of them still sum exactly.
    expect(MAX_FEN * 100 * 100_000).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });

  it('safeFenTotal converts an exact BigInt total, or returns an Error saying it cannot be shown', () => {
    expect(safeFenTotal(BigInt(Number.MAX_SAFE_INTEGER), 'x')).toBe(Number.MAX_SAFE_INTEGER);
    expect(safeFenTotal(0n, 'x')).toBe(0);
    const over = safeFenTotal(BigInt(Number.MAX_SAFE_INTEGER) * 2n, 'The sales of lvs_1');
    expect(over).toBeInstanceOf(Error);
    expect((over as Error).message).toMatch(/^The sales of lvs_1 is 18014398509481982 fen, beyond what a SafeInt/);
  });
});
