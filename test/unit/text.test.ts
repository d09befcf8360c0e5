import { describe, expect, it } from 'vitest';
import { beyondHorizonReason, MAX_HORIZON_DAYS } from '../../subgraphs/shared/horizon.ts';
import { unsafeTextReason } from '../../subgraphs/shared/text.ts';

describe('unsafeTextReason (user-visible text)', () => {
  it('accepts ordinary text in any script, emoji and marks included', () => {
    for (const text of ['Hotpot', '肯德基 疯狂星期四', '🍗🍟', 'café', 'שלום עולם', 'a\u200Eb', 'x\u200Dy']) {
      expect(unsafeTextReason('title', text), text).toBeNull();
      expect(unsafeTextReason('body', text, 'body'), text).toBeNull();
    }
  });

  it('refuses every bidi embedding, override and isolate (U+202A–U+202E, U+2066–U+2069), naming it', () => {
    for (const cp of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      const name = `U+${cp.toString(16).toUpperCase()}`;
      const reason = unsafeTextReason('title', `a${String.fromCodePoint(cp)}b`);
      expect(reason).toBe(
        `title contains the bidirectional control ${name}, which can make text display differently from what it says: remove it.`,
      );
      expect(unsafeTextReason('body', `a${String.fromCodePoint(cp)}b`, 'body')).toContain(name);
    }
  });

  it('refuses C0, DEL and C1 controls; a body keeps tab, line feed and CRLF', () => {
    for (const cp of [0x00, 0x07, 0x08, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9f]) {
      const text = `a${String.fromCodePoint(cp)}b`;
      expect(unsafeTextReason('title', text), cp.toString(16)).toMatch(/control character U\+00/);
      expect(unsafeTextReason('body', text, 'body'), cp.toString(16)).toMatch(/tabs and line breaks are fine/);
    }
    expect(unsafeTextReason('body', 'one\ntwo\r\nthree\tfour', 'body')).toBeNull();
    expect(unsafeTextReason('body', 'over\rwrite', 'body')).toMatch(/U\+000D/);
    for (const breaker of ['\n', '\t', '\r\n']) expect(unsafeTextReason('title', `a${breaker}b`)).not.toBeNull();
  });

  it('refuses a lone surrogate but not a surrogate pair', () => {
    expect(unsafeTextReason('title', 'a\uD83Db')).toMatch(/lone surrogate \(U\+D83D\)/);
    expect(unsafeTextReason('title', 'a\uDC00')).toMatch(/lone surrogate/);
    expect(unsafeTextReason('title', '\uD83D\uDE00')).toBeNull();
  });
});

describe('beyondHorizonReason (client-given dates)', () => {
  const now = new Date('2026-12-01T00:00:00.000Z');
  const days = (n: number) => new Date(now.getTime() + n * 86_400_000);

  it(`accepts up to ${MAX_HORIZON_DAYS} days ahead and refuses one millisecond more, giving the latest date`, () => {
    expect(beyondHorizonReason('dueDate', days(MAX_HORIZON_DAYS), now)).toBeNull();
    expect(beyondHorizonReason('dueDate', new Date(days(MAX_HORIZON_DAYS).getTime() + 1), now)).toBe(
      `dueDate must be at most 5 years ahead (no later than ${days(MAX_HORIZON_DAYS).toISOString()}).`,
    );
    expect(beyondHorizonReason('dueDate', new Date('+020260-01-01T00:00:00Z'), now)).not.toBeNull();
  });

  it('leaves past dates to each rule (some must be in the future, a window may start now)', () => {
    expect(beyondHorizonReason('claimEndsAt', days(-1), now)).toBeNull();
  });
});
