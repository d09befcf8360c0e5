import { badUserInput } from '../../contract/errors.ts';

/**
 * Where a search result sits in its ranking: its score and its entity id (the tiebreak). A page after a cursor is
 * the results ranked strictly below it, so pages neither repeat nor skip results while the index is unchanged,
 * whatever `first` is; no offset is stored, so a result added since only shifts the ranking it belongs to.
 */
export interface RankPosition {
  score: number;
  entityId: string;
}

/** Before every result: the cursor of a promoted edge placed first on the first page. */
export const START: RankPosition = { score: Number.POSITIVE_INFINITY, entityId: '' };

export function encodeSearchCursor(position: RankPosition): string {
  const score = Number.isFinite(position.score) ? position.score : 'start';
  return Buffer.from(JSON.stringify(['search', score, position.entityId])).toString('base64url');
}

export function decodeSearchCursor(cursor: string): RankPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {}
  if (Array.isArray(parsed) && parsed.length === 3 && parsed[0] === 'search' && typeof parsed[2] === 'string') {
    if (parsed[1] === 'start') return START;
    if (typeof parsed[1] === 'number' && Number.isFinite(parsed[1])) return { score: parsed[1], entityId: parsed[2] };
  }
  throw badUserInput('"after" is not a cursor of a search: pass an endCursor you received from search.', 'after');
}

/** Best first: higher score, then the smaller entity id. */
export function compareRank(a: RankPosition, b: RankPosition): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.entityId < b.entityId ? -1 : a.entityId > b.entityId ? 1 : 0;
}
