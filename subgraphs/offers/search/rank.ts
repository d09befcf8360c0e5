/**
 * How search orders its results (the README's *Search* says the same to users):
 *
 * - relevance is FTS5's bm25 (negated, so larger is better) over name ×10, Chinese name ×10, keywords ×2;
 *   an exact name (the whole query, case aside) doubles it; a result found only through a typo correction
 *   counts half;
 * - with `near`, score = relevance / (1 + d / 2000 m): a result 2 km away counts half as much as one here.
 *   d is a store's own distance, or a merchant's nearest store; any other result (a post, a coupon: no place of
 *   its own) ranks as if 5 km away.
 */
export const NAME_WEIGHT = 10;
export const KEYWORDS_WEIGHT = 2;
export const TYPO_FACTOR = 0.5;
export const HALF_SCORE_METERS = 2000;
export const UNLOCATED_METERS = 5000;

/** The score of a match of `relevance` at `meters` from the viewer (relevance alone without `near`). */
export function rankScore(relevance: number, meters: number | null | undefined): number {
  if (meters === undefined) return relevance;
  return relevance / (1 + (meters ?? UNLOCATED_METERS) / HALF_SCORE_METERS);
}

/** 1 + the share of the (English or Chinese) name the query covers, when the name contains the whole query; else 1. */
export function nameFactor(query: string, names: { name: string; nameZh: string | null }): number {
  const q = query.toLowerCase();
  const covered = [names.name, names.nameZh ?? ''].map((name) =>
    name.length > 0 && name.toLowerCase().includes(q) ? Math.min(1, [...q].length / [...name].length) : 0,
  );
  return 1 + Math.max(...covered);
}
