/** How search reads text: the words of a name, and the normalised form of a query. */

/** The shortest word a one-letter typo is corrected in (shorter words have too many neighbours). */
export const MIN_TYPO_WORD_LENGTH = 5;

/** Lower-cased runs of Latin letters and digits: "Burger King's" → ["burger", "king", "s"]. */
export function latinWords(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/** The words of an indexed text that typo correction knows: Latin words of five letters or more, once each. */
export function vocabularyOf(text: string): string[] {
  return [...new Set(latinWords(text).filter((w) => w.length >= MIN_TYPO_WORD_LENGTH))];
}

/** Whether `a` becomes `b` by one insertion, deletion or substitution (Levenshtein distance exactly 1). */
export function oneEditApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  // After the common prefix, the rest must agree once one character is skipped in one or both.
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
