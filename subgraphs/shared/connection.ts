import DataLoader from 'dataloader';
import { Column, getTableName, is, type SQL, StringChunk, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { badUserInput } from '../contract/errors.ts';

/** Relay pagination arguments as every list field takes them. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** A validated page: rows `offset + 1 .. offset + limit`. */
export interface Page {
  offset: number;
  limit: number;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Cursors are opaque to clients; inside they are the position of the row in its list. */
export function encodeCursor(position: number): string {
  return Buffer.from(`pos:${position}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^pos:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1])
    throw badUserInput(`"after" is not a cursor from this list: pass an endCursor you received.`, 'after');
  return Number(match[1]);
}

/** Validates `first` (1..100, default 20) and `after`; anything else is `BAD_USER_INPUT`. */
export function parsePage(args: PageArgs): Page {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`"first" must be between 1 and ${MAX_PAGE_SIZE}, got ${first}.`, 'first');
  }
  const offset = args.after ? decodeCursor(args.after) + 1 : 0;
  return { offset, limit: first };
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * Builds a connection from rows fetched with `limit + 1` (the extra row only tells whether there is a
 * next page).
 */
export function toConnection<T>(rows: T[], page: Page): Connection<T> {
  const nodes = rows.slice(0, page.limit);
  const edges = nodes.map((node, i) => ({ cursor: encodeCursor(page.offset + i), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > page.limit,
      hasPreviousPage: page.offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/**
 * Replaces each edge's node (a link row, or a bare id) by the entity it points at, loaded through a
 * DataLoader so the whole page is one batch; edges whose entity no longer exists are dropped.
 */
export async function mapNodes<A, B>(
  connection: Connection<A>,
  load: (node: A) => Promise<B | null>,
): Promise<Connection<B>> {
  const nodes = await Promise.all(connection.edges.map((edge) => load(edge.node)));
  const edges = connection.edges.flatMap((edge, i) => {
    const node = nodes[i];
    return node ? [{ cursor: edge.cursor, node }] : [];
  });
  return { edges, pageInfo: connection.pageInfo };
}

/** Key of a paged one-to-many loader: whose children, and which page of them. */
export interface ChildPageKey {
  parentId: string;
  page: Page;
}

/**
 * A per-request DataLoader for a paged one-to-many relation (`merchant.stores(first: 5)` for every
 * merchant in a list). Keys asking for the same page are fetched together with ONE query, so the number
 * of statements does not grow with the number of parents. `fetchPage` must return, for the given parents,
 * each parent's rows `offset + 1 .. offset + limit` (use `row_number() over (partition by parent ...)`).
 */
export function childPageLoader<Row>(
  fetchPage: (parentIds: readonly string[], offset: number, limit: number) => Row[],
  parentIdOf: (row: Row) => string,
): DataLoader<ChildPageKey, Connection<Row>, string> {
  return new DataLoader<ChildPageKey, Connection<Row>, string>(
    async (keys) => {
      const groups = new Map<string, { page: Page; parentIds: Set<string> }>();
      for (const key of keys) {
        const id = `${key.page.offset}:${key.page.limit}`;
        const group = groups.get(id) ?? { page: key.page, parentIds: new Set<string>() };
        group.parentIds.add(key.parentId);
        groups.set(id, group);
      }
      const rowsByGroupAndParent = new Map<string, Row[]>();
      for (const [id, group] of groups) {
        // limit + 1 rows per parent tells us whether each parent has a next page.
        for (const row of fetchPage([...group.parentIds], group.page.offset, group.page.limit + 1)) {
          const k = `${id}|${parentIdOf(row)}`;
          const list = rowsByGroupAndParent.get(k) ?? [];
          list.push(row);
          rowsByGroupAndParent.set(k, list);
        }
      }
      return keys.map((key) =>
        toConnection(rowsByGroupAndParent.get(`${key.page.offset}:${key.page.limit}|${key.parentId}`) ?? [], key.page),
      );
    },
    { cacheKeyFn: (key) => `${key.parentId}|${key.page.offset}|${key.page.limit}` },
  );
}

/** A per-request DataLoader for entities by id: one `where id in (...)`, results in key order, `null` if missing. */
function byIdLoader<Row extends { id: string }>(
  fetch: (ids: readonly string[]) => Row[],
): DataLoader<string, Row | null> {
  return new DataLoader<string, Row | null>(async (ids) => {
    const byId = new Map(fetch(ids).map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** A family of loaders, one per filter value: call it with the filter; `clearAll` forgets every one of them. */
export interface LoaderFamily<K, L extends { clearAll(): unknown }> {
  (filter: K): L;
  clearAll(): void;
}

/**
 * One loader per filter value (`coupons(status: X)`, `ious(status: Y)`), created on first use within the
 * request, so a filtered list for many parents is still one statement per filter.
 */
export function loaderPerFilter<K, L extends { clearAll(): unknown }>(make: (filter: K) => L): LoaderFamily<K, L> {
  const made = new Map<K, L>();
  const family = (filter: K) => {
    let loader = made.get(filter);
    if (!loader) {
      loader = make(filter);
      made.set(filter, loader);
    }
    return loader;
  };
  return Object.assign(family, { clearAll: () => made.clear() });
}

/**
 * `column in (...)` over the JSON array of ids bound to the placeholder `name` (`JSON.stringify(ids)`): the same SQL
 * text for any number of ids, so a loader's statement is built and compiled once, not on every batch. SQLite still
 * looks each id up through the column's index (`SEARCH ... USING INDEX ... LIST SUBQUERY`).
 */
export function inJsonList(column: SQLiteColumn | SQL, name: string): SQL {
  return sql`${column} in (select value from json_each(${sql.placeholder(name)}))`;
}

const preparedQueries = new WeakMap<object, Map<unknown, unknown>>();

/**
 * The query `build` made the first time it was asked for on this database under `key` (a table, a column, a string
 * naming the query): loaders are created for every request, their queries once per database, and then only bound
 * (drizzle's `.prepare()` with placeholders). `key` must name one query shape, never per-request data.
 */
export function preparedFor<Q>(db: object, key: unknown, build: () => Q): Q {
  let queries = preparedQueries.get(db);
  if (!queries) {
    queries = new Map();
    preparedQueries.set(db, queries);
  }
  let query = queries.get(key) as Q | undefined;
  if (query === undefined) {
    query = build();
    queries.set(key, query);
  }
  return query;
}

/**
 * A key naming an SQL fragment made only of columns and text (an `orderBy` such as `newestFirst(...)`, rebuilt for
 * every request), for `preparedFor`; undefined when it holds anything else (a value, a nested query), which is then
 * not prepared.
 */
export function fragmentKey(fragment: SQL): string | undefined {
  let key = '';
  for (const chunk of fragment.queryChunks) {
    if (is(chunk, StringChunk)) key += chunk.value.join('');
    else if (is(chunk, Column)) key += `"${getTableName(chunk.table)}"."${chunk.name}"`;
    else return undefined;
  }
  return key;
}

/**
 * `byIdLoader` for a table whose primary key is `id`: one `select * from table where id in (...)` per batch.
 * This is how every entity of every subgraph is looked up.
 */
export function rowByIdLoader<T extends SQLiteTable & { id: SQLiteColumn }>(
  db: BetterSQLite3Database<Record<string, unknown>>,
  table: T,
): DataLoader<string, (T['$inferSelect'] & { id: string }) | null> {
  return byIdLoader((ids) => {
    const query = preparedFor(db, table, () =>
      db
        .select()
        .from(table as SQLiteTable)
        .where(inJsonList(table.id, 'ids'))
        .prepare(),
    );
    return query.all({ ids: JSON.stringify(ids) }) as (T['$inferSelect'] & { id: string })[];
  });
}

/** A per-request DataLoader for an unpaged one-to-many relation (a store's few opening-hour rows, ...). */
export function groupLoader<Row>(
  fetch: (parentIds: readonly string[]) => Row[],
  parentIdOf: (row: Row) => string,
): DataLoader<string, Row[]> {
  return new DataLoader<string, Row[]>(async (parentIds) => {
    const groups = new Map<string, Row[]>();
    for (const row of fetch(parentIds)) {
      const list = groups.get(parentIdOf(row)) ?? [];
      list.push(row);
      groups.set(parentIdOf(row), list);
    }
    return parentIds.map((id) => groups.get(id) ?? []);
  });
}

/**
 * Loads the entity a non-null field points at by foreign key (a store's merchant). A missing row is broken data, not
 * "not found": the field errors naming what is missing, as GraphQL would for the null.
 */
export async function loadExisting<Row>(
  loader: DataLoader<string, Row | null>,
  id: string,
  what: string,
): Promise<Row> {
  const row = await loader.load(id);
  if (!row) throw new Error(`${what} ${id} does not exist`);
  return row;
}

/**
 * A page of `table`'s rows for a top-level list (`Query.merchants`, the feed): `where`, in `orderBy` order, with one
 * row more than the page, so `toConnection` knows whether another page follows.
 */
export function selectPage<T extends SQLiteTable>(
  db: BetterSQLite3Database<Record<string, unknown>>,
  table: T,
  options: { where?: SQL; orderBy: SQL[] },
  page: Page,
): T['$inferSelect'][] {
  return db
    .select()
    .from(table as SQLiteTable)
    .where(options.where)
    .orderBy(...options.orderBy)
    .limit(page.limit + 1)
    .offset(page.offset)
    .all() as T['$inferSelect'][];
}
