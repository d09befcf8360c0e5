import { describe, expect, it } from 'vitest';
import { commissionFen, mulDivHalfUp, splitEvenly, toMoney } from '../../subgraphs/shared/money.ts';

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
