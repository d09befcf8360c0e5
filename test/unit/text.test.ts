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

describe('unsafeTextReason: invisible characters and blank-looking text (review 11)', () => {
  const name = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

  it('refuses every invisible format character (\\p{Cf}) but the joiners and directional marks, naming it', () => {
    const refused = [0x00ad, 0x200b, 0x2060, 0x2064, 0x206a, 0x206f, 0xfeff, 0xfff9, 0xfffb, 0xe0001, 0xe0041, 0xe007f];
    for (const cp of refused) {
      const text = `a${String.fromCodePoint(cp)}b`;
      const message = `title contains the invisible format character ${name(cp)}, which can hide or disguise text: remove it.`;
      expect(unsafeTextReason('title', text), name(cp)).toBe(message);
      expect(unsafeTextReason('body', text, 'body'), name(cp)).toContain(name(cp));
    }
    for (const cp of [0x200c, 0x200d, 0x200e, 0x200f, 0x061c]) {
      expect(unsafeTextReason('title', `a${String.fromCodePoint(cp)}b`), name(cp)).toBeNull();
    }
  });

  it('keeps the tag characters of an emoji flag sequence, and only those', () => {
    const england = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}';
    expect(unsafeTextReason('title', `Go ${england}!`)).toBeNull();
    // Tags spelling hidden ASCII after ordinary text are refused, even if a cancel tag ends them.
    expect(unsafeTextReason('title', 'hi\u{E0069}\u{E0067}\u{E006E}\u{E007F}')).toMatch(/U\+E0069/);
  });

  it('refuses the line and paragraph separators U+2028 and U+2029 in one-line text, not in a body', () => {
    for (const cp of [0x2028, 0x2029]) {
      expect(unsafeTextReason('title', `one${String.fromCodePoint(cp)}two`)).toBe(
        `title must be one line but contains the line break ${name(cp)}: remove it.`,
      );
      expect(unsafeTextReason('body', `one${String.fromCodePoint(cp)}two`, 'body')).toBeNull();
    }
  });

  it('refuses text that shows nothing: zero-width, Hangul fillers, blank braille, a lone joiner', () => {
    expect(unsafeTextReason('title', '\u200B')).toMatch(/invisible format character U\+200B/);
    expect(unsafeTextReason('title', '\u2060\u2060')).toMatch(/U\+2060/);
    for (const [text, first] of [
      ['\u3164', 0x3164],
      ['\u2800\u2800', 0x2800],
      ['\u115F\u1160', 0x115f],
      ['\uFFA0', 0xffa0],
      ['\u200D', 0x200d],
      [' \u3164 ', 0x3164],
    ] as const) {
      const message = `title has no visible character (it starts with ${name(first)}, which displays as blank): write some text.`;
      expect(unsafeTextReason('title', text), name(first)).toBe(message);
      expect(unsafeTextReason('body', text, 'body'), name(first)).toMatch(/no visible character/);
    }
    // One visible character is enough; blank text is left to each caller's own length rule.
    for (const text of ['\u3164x', '🍗', '¥', '…', '', '   ']) expect(unsafeTextReason('title', text), text).toBeNull();
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
