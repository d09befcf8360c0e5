import { describe, expect, it } from 'vitest';
import { parseList } from '../../gateway/cli/args.ts';
import { parseDuration } from '../../gateway/duration.ts';

describe('CLI arguments', () => {
  it('parses durations in s, m, h, d and w, and nothing else', () => {
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('90d')).toBe(90 * 86_400_000);
    expect(parseDuration(' 2w ')).toBe(14 * 86_400_000);
    for (const bad of ['', '1y', 'h', '-1h', '1.5h', 'soon']) expect(parseDuration(bad)).toBeNull();
  });

  it('splits comma-separated lists, dropping blanks', () => {
    expect(parseList('merchant:offers, merchant:content,,')).toEqual(['merchant:offers', 'merchant:content']);
    expect(parseList('')).toEqual([]);
  });
});
