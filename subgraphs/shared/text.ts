/**
 * Characters refused in every user-visible text:
 * - C0 controls, DEL and C1 controls (they corrupt logs, terminals and layouts) and lone surrogates (not text);
 * - every invisible format character (\p{Cf}): the bidi embeddings, overrides and isolates U+202A–U+202E and
 *   U+2066–U+2069 make text display in another order than it is stored ("Trojan Source"); zero-width spaces
 *   and joiners (U+200B, U+2060, U+FEFF), invisible operators, deprecated format controls (U+206A–U+206F),
 *   interlinear annotations (U+FFF9–U+FFFB) and tag characters (U+E0000–U+E007F) hide text or smuggle it.
 *   Kept: U+200C/U+200D (zero-width non-joiner and joiner, needed by scripts and emoji), the directional
 *   marks U+200E, U+200F and U+061C (they only nudge neutral characters, and right-to-left keyboards type
 *   them), and the tag characters of a valid emoji flag sequence (England, Scotland, Wales);
 * - in one-line text, the line and paragraph separators U+2028 and U+2029 besides every control.
 * Long bodies may keep tab and line breaks (LF, CRLF, U+2028, U+2029).
 * Text that is not blank must also show something: a title of only Hangul fillers or blank braille looks empty.
 */
// \p{Cc} is exactly U+0000–U+001F and U+007F–U+009F; \p{Cs} a surrogate not in a pair.
const REFUSED_FORMAT = String.raw`(?![\u061C\u200C-\u200F])\p{Cf}`;
const REFUSED_IN_LINE = new RegExp(String.raw`\p{Cc}|\p{Cs}|${REFUSED_FORMAT}|[\p{Zl}\p{Zp}]`, 'u');
const REFUSED_IN_BODY = new RegExp(String.raw`(?![\t\n])\p{Cc}|\p{Cs}|${REFUSED_FORMAT}`, 'u');

const BIDI = /[\u202A-\u202E\u2066-\u2069]/u;
/** A black flag, tag letters or digits, and the cancel tag: an emoji subdivision flag such as England's. */
const EMOJI_TAG_SEQUENCE = /\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{1,32}\u{E007F}/gu;
/** Letters and symbols that display as nothing: Hangul fillers and the blank braille pattern. */
const BLANK_LOOKING = /[\u115F\u1160\u3164\uFFA0\u2800]/gu;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * The length of a text as users see it and as every length limit counts it: code points, so an emoji or a
 * rare CJK character (two UTF-16 units) is one character.
 */
export function characterCount(text: string): number {
  return [...text].length;
}

/** Where a text goes: a one-line title or name, or a multi-line body that may hold tabs and line breaks. */
export type TextKind = 'line' | 'body';

const codePointName = (char: string) => `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Why `value` cannot be stored as user-visible text (naming the first refused character, e.g. "U+202E"),
 * or null when it is fine. Blank text (empty after trimming) passes: whether a field may be empty, and its
 * length, are each caller's own rule.
 */
export function unsafeTextReason(field: string, value: string, kind: TextKind = 'line'): string | null {
  // Windows line endings are line breaks too; a lone carriage return is not.
  const text = (kind === 'body' ? value.replaceAll('\r\n', '\n') : value).replace(EMOJI_TAG_SEQUENCE, '\u{1F3F4}');
  const match = (kind === 'body' ? REFUSED_IN_BODY : REFUSED_IN_LINE).exec(text);
  if (match) return refusedCharacterReason(field, match[0], kind);
  if (text.trim() !== '' && !VISIBLE.test(text.replace(BLANK_LOOKING, ''))) {
    const invisible = [...text].find((c) => c.trim() !== '') ?? text;
    return `${field} has no visible character (it starts with ${codePointName(invisible)}, which displays as blank): write some text.`;
  }
  return null;
}

function refusedCharacterReason(field: string, char: string, kind: TextKind): string {
  const name = codePointName(char);
  if (BIDI.test(char)) {
    return `${field} contains the bidirectional control ${name}, which can make text display differently from what it says: remove it.`;
  }
  const codePoint = char.codePointAt(0) ?? 0;
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
    return `${field} contains a lone surrogate (${name}), which is not text: send valid UTF-16.`;
  }
  if (/\p{Cf}/u.test(char)) {
    return `${field} contains the invisible format character ${name}, which can hide or disguise text: remove it.`;
  }
  if (/[\p{Zl}\p{Zp}]/u.test(char)) return `${field} must be one line but contains the line break ${name}: remove it.`;
  const allowed = kind === 'body' ? ' (tabs and line breaks are fine)' : '';
  return `${field} contains the control character ${name}: remove it${allowed}.`;
}
