/**
 * Characters refused in every user-visible text: C0 controls, DEL and C1 controls (they corrupt logs,
 * terminals and layouts), lone surrogates (not text at all), and the bidi embeddings, overrides and isolates
 * U+202A–U+202E and U+2066–U+2069, which make text display in another order than it is stored
 * ("Trojan Source"), so a title could read as something it is not. Long bodies may keep tab and line breaks.
 */
// \p{Cc} is exactly U+0000–U+001F and U+007F–U+009F; \p{Cs} a surrogate not in a pair.
const REFUSED_IN_LINE = /\p{Cc}|\p{Cs}|[\u202A-\u202E\u2066-\u2069]/u;
const REFUSED_IN_BODY = /(?![\t\n])\p{Cc}|\p{Cs}|[\u202A-\u202E\u2066-\u2069]/u;

const BIDI = /[\u202A-\u202E\u2066-\u2069]/u;

/** Where a text goes: a one-line title or name, or a multi-line body that may hold tabs and line breaks. */
export type TextKind = 'line' | 'body';

/**
 * Why `value` cannot be stored as user-visible text (naming the first refused character, e.g. "U+202E"),
 * or null when it is fine. Length is each caller's own rule.
 */
export function unsafeTextReason(field: string, value: string, kind: TextKind = 'line'): string | null {
  // Windows line endings are line breaks too; a lone carriage return is not.
  const text = kind === 'body' ? value.replaceAll('\r\n', '\n') : value;
  const match = (kind === 'body' ? REFUSED_IN_BODY : REFUSED_IN_LINE).exec(text);
  if (!match) return null;
  const codePoint = match[0].codePointAt(0) ?? 0;
  const name = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  if (BIDI.test(match[0])) {
    return `${field} contains the bidirectional control ${name}, which can make text display differently from what it says: remove it.`;
  }
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
    return `${field} contains a lone surrogate (${name}), which is not text: send valid UTF-16.`;
  }
  const allowed = kind === 'body' ? ' (tabs and line breaks are fine)' : '';
  return `${field} contains the control character ${name}: remove it${allowed}.`;
}
