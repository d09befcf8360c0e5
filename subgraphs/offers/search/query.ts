import { type SQL, sql } from 'drizzle-orm';
import { badUserInput } from '../../contract/errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../shared/connection.ts';
import { distanceMeters, type GeoPoint, invalidPoint } from '../../shared/geo.ts';
import type { SyncSqlite } from '../../shared/idempotency.ts';
import type { SearchResultType } from '../__generated__/resolvers-types.ts';
import { compareRank, decodeSearchCursor, type RankPosition } from './cursor.ts';
import { KEYWORDS_WEIGHT, NAME_WEIGHT, nameFactor, rankScore, TYPO_FACTOR } from './rank.ts';
import { latinWords, MIN_TYPO_WORD_LENGTH, oneEditApart } from './text.ts';

export const MAX_QUERY_LENGTH = 100;
/** The most matches ranked per search (by text relevance, before distance): deeper pages end there. */
export const MAX_CANDIDATES = 1000;
/** Fewer matches than this and the typo correction runs too (its finds rank after, at half relevance). */
export const TYPO_FALLBACK_BELOW = 5;
/** The trigram tokenizer indexes three characters: a shorter word is matched with instr() instead. */
const TRIGRAM = 3;

export interface SearchArgs {
  query: string;
  near?: GeoPoint | null;
  types?: readonly SearchResultType[] | null;
  first?: number | null;
  after?: string | null;
}

/** One ranked result: the indexed entity, its score (the cursor's) and, when located, its distance. */
export interface SearchHit extends RankPosition {
  type: SearchResultType;
  /** Distance from `near` to a store or a merchant's nearest store; null otherwise. */
  distanceMeters: number | null;
}

export interface SearchPage {
  hits: SearchHit[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

interface Candidate {
  entityId: string;
  type: SearchResultType;
  merchantId: string | null;
  name: string;
  nameZh: string | null;
  lat: number | null;
  lng: number | null;
  relevance: number;
}

/** Validated arguments: BAD_USER_INPUT for an empty or long query, `first` outside 1..100, a bad point or cursor. */
function parseArgs(args: SearchArgs) {
  const query = args.query.trim().replace(/\s+/g, ' ');
  if (query.length === 0) throw badUserInput('"query" is empty: pass the words to search for.', 'query');
  if ([...query].length > MAX_QUERY_LENGTH) {
    throw badUserInput(`"query" is longer than ${MAX_QUERY_LENGTH} characters: shorten it.`, 'query');
  }
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`"first" must be between 1 and ${MAX_PAGE_SIZE}, got ${first}.`, 'first');
  }
  const problem = args.near ? invalidPoint(args.near) : null;
  if (problem) throw badUserInput(`"near": ${problem}.`, 'near');
  const after = args.after ? decodeSearchCursor(args.after) : null;
  return { query, first, after, near: args.near ?? null, types: args.types?.length ? args.types : null };
}

/** An FTS5 string literal: the text as one phrase, so no query syntax (AND, *, quotes) of the user's is obeyed. */
const phrase = (text: string) => `"${text.replaceAll('"', '""')}"`;

/**
 * Runs a search: the matches ranked (rank.ts), then the page after `after`. A constant number of statements per
 * search whatever `first` is: the FTS match, at most one vocabulary read and one corrected match, one read of the
 * matched merchants' stores when `near` is given.
 */
export function search(db: SyncSqlite, args: SearchArgs): SearchPage {
  const { query, first, after, near, types } = parseArgs(args);
  const words = query.split(' ');
  const long = words.filter((w) => [...w].length >= TRIGRAM);
  const short = words.filter((w) => [...w].length < TRIGRAM);
  const found = new Map<string, Candidate>();
  const add = (candidates: Candidate[], factor: number) => {
    for (const c of candidates)
      if (!found.has(c.entityId)) found.set(c.entityId, { ...c, relevance: c.relevance * factor });
  };
  add(long.length > 0 ? matchText(db, long.map(phrase), short, types) : matchShort(db, short, types), 1);
  if (found.size < TYPO_FALLBACK_BELOW) {
    const corrected = correctTypos(db, long);
    if (corrected) add(matchText(db, corrected, short, types), TYPO_FACTOR);
  }
  for (const c of found.values()) c.relevance *= nameFactor(query, c);
  const candidates = [...found.values()];
  const distances = near ? distancesFrom(db, near, candidates) : null;
  const ranked = candidates
    .map((c): SearchHit => {
      const meters = distances?.get(c.entityId);
      return {
        entityId: c.entityId,
        type: c.type,
        score: rankScore(c.relevance, distances ? (meters ?? null) : undefined),
        distanceMeters: meters ?? null,
      };
    })
    .sort(compareRank);
  const start = after ? ranked.findIndex((hit) => compareRank(hit, after) > 0) : 0;
  const rest = start < 0 ? [] : ranked.slice(start);
  return { hits: rest.slice(0, first), hasNextPage: rest.length > first, hasPreviousPage: after !== null };
}

const typeFilter = (types: readonly SearchResultType[] | null) =>
  types
    ? sql`and d.type in (${sql.join(
        types.map((t) => sql`${t}`),
        sql`, `,
      )})`
    : sql``;

/** Each short word must appear somewhere in the document's text (instr: any script, case aside). */
const shortFilter = (short: readonly string[]) =>
  sql.join(
    short.map(
      (w) =>
        sql`and instr(lower(d.name || ' ' || coalesce(d.name_zh, '') || ' ' || d.keywords), ${w.toLowerCase()}) > 0`,
    ),
    sql` `,
  );

/** Documents matching every term (a phrase, or a parenthesised alternative of phrases), by bm25. */
function matchText(
  db: SyncSqlite,
  terms: readonly string[],
  short: readonly string[],
  types: readonly SearchResultType[] | null,
): Candidate[] {
  const match = terms.join(' AND ');
  return db.all<Candidate>(sql`
    select d.entity_id as entityId, d.type, d.merchant_id as merchantId, d.name, d.name_zh as nameZh, d.lat, d.lng,
           -bm25(search_fts, ${NAME_WEIGHT}, ${NAME_WEIGHT}, ${KEYWORDS_WEIGHT}) as relevance
    from search_fts f join search_documents d on d.doc_id = f.rowid
    where search_fts match ${match} ${typeFilter(types)} ${shortFilter(short)}
    order by relevance desc, d.entity_id
    limit ${MAX_CANDIDATES}`);
}

/** A query of only one- and two-character words (携程, "7"): a scan with instr(); a name match counts double. */
function matchShort(db: SyncSqlite, short: readonly string[], types: readonly SearchResultType[] | null): Candidate[] {
  const inName: SQL[] = short.map(
    (w) => sql`instr(lower(d.name || ' ' || coalesce(d.name_zh, '')), ${w.toLowerCase()}) > 0`,
  );
  return db.all<Candidate>(sql`
    select d.entity_id as entityId, d.type, d.merchant_id as merchantId, d.name, d.name_zh as nameZh, d.lat, d.lng,
           case when ${sql.join(inName, sql` and `)} then 2.0 else 1.0 end as relevance
    from search_documents d
    where 1 = 1 ${typeFilter(types)} ${shortFilter(short)}
    order by relevance desc, d.entity_id
    limit ${MAX_CANDIDATES}`);
}

/**
 * The query's terms with each unknown Latin word of four letters or more widened to itself or the indexed words
 * (five letters or more) one edit away from it, as FTS alternatives; null when nothing could be corrected. One read of
 * the vocabulary, by length.
 */
function correctTypos(db: SyncSqlite, long: readonly string[]): string[] | null {
  const candidates = long.flatMap(latinWords).filter((w) => w.length >= MIN_TYPO_WORD_LENGTH - 1);
  if (candidates.length === 0) return null;
  const lengths = candidates.map((w) => w.length);
  const vocabulary = db
    .all<{ word: string }>(
      sql`select word from search_words
          where length between ${Math.min(...lengths) - 1} and ${Math.max(...lengths) + 1}`,
    )
    .map((r) => r.word);
  const known = new Set(vocabulary);
  let changed = false;
  const terms = long.map((word) => {
    const lower = word.toLowerCase();
    if (!/^[a-z0-9]+$/.test(lower) || lower.length < MIN_TYPO_WORD_LENGTH - 1 || known.has(lower)) {
      return phrase(word);
    }
    const near = vocabulary.filter((v) => oneEditApart(lower, v));
    if (near.length === 0) return phrase(word);
    changed = true;
    return `(${[word, ...near].map(phrase).join(' OR ')})`;
  });
  return changed ? terms : null;
}

/**
 * The distance from `near` of each located candidate: a store's own place, a merchant's nearest store. One read of
 * the matched merchants' stores.
 */
function distancesFrom(db: SyncSqlite, near: GeoPoint, candidates: readonly Candidate[]): Map<string, number> {
  const distances = new Map<string, number>();
  const merchantIds = candidates.flatMap((c) => (c.type === 'MERCHANT' ? [c.entityId] : []));
  if (merchantIds.length > 0) {
    const stores = db.all<{ merchantId: string; lat: number; lng: number }>(
      sql`select merchant_id as merchantId, lat, lng from search_documents
          where type = 'STORE' and merchant_id in (${sql.join(
            merchantIds.map((id) => sql`${id}`),
            sql`, `,
          )})`,
    );
    for (const s of stores) {
      const d = distanceMeters(near, s);
      distances.set(s.merchantId, Math.min(d, distances.get(s.merchantId) ?? d));
    }
  }
  for (const c of candidates) {
    if (c.type === 'STORE' && c.lat !== null && c.lng !== null) {
      distances.set(c.entityId, distanceMeters(near, { lat: c.lat, lng: c.lng }));
    }
  }
  return distances;
}
