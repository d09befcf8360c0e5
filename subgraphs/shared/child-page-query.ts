import type DataLoader from 'dataloader';
import { and, getTableColumns, getTableName, inArray, or, type SQL, type Subquery, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import {
  type ChildPageKey,
  type Connection,
  childPageLoader,
  fragmentKey,
  groupLoader,
  inJsonList,
  preparedFor,
} from './connection.ts';

/**
 * One query that returns, for each parent, its rows `offset + 1 .. offset + limit` in `orderBy` order:
 * `row_number() over (partition by parent order by ...)`. This is what makes a paged child list cost
 * one statement however many parents a page of results has.
 */
function selectChildPage<T extends SQLiteTable>(
  db: BetterSQLite3Database<Record<string, unknown>>,
  options: {
    table: T;
    parentColumn: SQLiteColumn;
    orderBy: SQL;
    parentIds: readonly string[];
    offset: number;
    limit: number;
    where?: SQL;
  },
): T['$inferSelect'][] {
  const { table, parentColumn, orderBy, parentIds, offset, limit, where } = options;
  if (parentIds.length === 0) return [];
  const orderKey = where ? undefined : fragmentKey(orderBy);
  if (orderKey !== undefined) {
    // Without a filter, the statement is the same for every batch: built once, then bound (see `preparedFor`).
    const query = preparedFor(db, `child-page|${orderKey}|${parentColumnKey(parentColumn)}`, () => {
      const ranked = db
        .select({
          ...getTableColumns(table),
          rowNumber: sql<number>`row_number() over (partition by ${parentColumn} order by ${orderBy})`.as('row_number'),
        })
        .from(table)
        .where(inJsonList(parentColumn, 'parentIds'))
        .as('ranked');
      const rowNumber = sql.identifier('row_number');
      return db
        .select()
        .from(ranked)
        .where(sql`${rowNumber} > ${sql.placeholder('offset')} and ${rowNumber} <= ${sql.placeholder('end')}`)
        .orderBy(sql`${rowNumber}`)
        .prepare();
    });
    const rows = query.all({
      parentIds: JSON.stringify(parentIds),
      offset,
      end: offset + limit,
    }) as (T['$inferSelect'] & {
      rowNumber?: number;
    })[];
    for (const row of rows) delete row.rowNumber;
    return rows;
  }
  const ranked = db
    .select({
      ...getTableColumns(table),
      rowNumber: sql<number>`row_number() over (partition by ${parentColumn} order by ${orderBy})`.as('row_number'),
    })
    .from(table)
    .where(and(inArray(parentColumn, [...parentIds]), where))
    .as('ranked');
  const rows = rowsOfPage<T['$inferSelect'] & { rowNumber?: number }>(db, ranked, offset, limit);
  for (const row of rows) delete row.rowNumber;
  return rows;
}

/** The rows of a `ranked` subquery (one `row_number` per parent) that are on the page `offset + 1 .. offset + limit`. */
function rowsOfPage<Row>(
  db: BetterSQLite3Database<Record<string, unknown>>,
  ranked: Subquery,
  offset: number,
  limit: number,
): Row[] {
  const rowNumber = sql.identifier('row_number');
  return db
    .select()
    .from(ranked)
    .where(sql`${rowNumber} > ${offset} and ${rowNumber} <= ${offset + limit}`)
    .orderBy(sql`${rowNumber}`)
    .all() as Row[];
}

/**
 * `selectChildPage` for children that belong to each parent one of several columns names (an IOU is in its lender's
 * list and in its borrower's): the parent ids are joined as a table (`json_each`), so a row appears once per parent
 * it names, ranked per parent as in `selectChildPage`. Each row comes with the parent it was selected for.
 */
function selectChildPageOfAny<T extends SQLiteTable>(
  db: BetterSQLite3Database<Record<string, unknown>>,
  options: {
    table: T;
    parentColumns: readonly SQLiteColumn[];
    orderBy: SQL;
    parentIds: readonly string[];
    offset: number;
    limit: number;
    where?: SQL;
  },
): { parentId: string; row: T['$inferSelect'] }[] {
  const { table, parentColumns, orderBy, parentIds, offset, limit, where } = options;
  if (parentIds.length === 0) return [];
  const parent = sql<string>`${sql.identifier('child_page_parents')}.value`;
  const ranked = db
    .select({
      ...getTableColumns(table),
      childPageParent: parent.as('child_page_parent'),
      rowNumber: sql<number>`row_number() over (partition by ${parent} order by ${orderBy})`.as('row_number'),
    })
    .from(table)
    .innerJoin(
      sql`json_each(${JSON.stringify(parentIds)}) as ${sql.identifier('child_page_parents')}`,
      sql`${parent} in (${sql.join([...parentColumns], sql`, `)})`,
    )
    // Repeats the join as `column in (...)` terms, so SQLite finds the rows through each column's index.
    .where(and(or(...parentColumns.map((column) => inArray(column, [...parentIds]))), where))
    .as('ranked');
  const rows = rowsOfPage<T['$inferSelect'] & { childPageParent?: string; rowNumber?: number }>(
    db,
    ranked,
    offset,
    limit,
  );
  return rows.map(({ childPageParent, rowNumber: _, ...row }) => ({ parentId: childPageParent ?? '', row }));
}

/**
 * The paged one-to-many loader of every subgraph: `table`'s rows by `parentColumn`, in `orderBy` order, one
 * `selectChildPage` statement per page size however many parents ask (see `childPageLoader`). `where` narrows the
 * children (a status filter); a function is evaluated for each batch, so a filter on the clock ("not yet expired")
 * reads the time the batch runs at. With several parent columns (`[ious.lenderId, ious.borrowerId]`), a row is a
 * child of each parent one of them names (see `selectChildPageOfAny`).
 */
export function pagedChildrenLoader<T extends SQLiteTable>(
  db: BetterSQLite3Database<Record<string, unknown>>,
  options: {
    table: T;
    parentColumn: SQLiteColumn | readonly SQLiteColumn[];
    orderBy: SQL;
    where?: SQL | (() => SQL | undefined);
  },
): DataLoader<ChildPageKey, Connection<T['$inferSelect']>, string> {
  const { table, parentColumn, orderBy } = options;
  const where = () => (typeof options.where === 'function' ? options.where() : options.where);
  if (isColumnList(parentColumn)) {
    // A row of several parents' lists is one object per parent; which parent each object was selected for is kept
    // beside it, so the rows stay exactly the table's.
    const parentOf = new WeakMap<object, string>();
    return childPageLoader(
      (parentIds, offset, limit) =>
        selectChildPageOfAny(db, {
          table,
          orderBy,
          where: where(),
          parentColumns: parentColumn,
          parentIds,
          offset,
          limit,
        }).map(({ parentId, row }) => {
          parentOf.set(row, parentId);
          return row;
        }),
      (row: T['$inferSelect']) => parentOf.get(row) ?? '',
    );
  }
  return childPageLoader(
    (parentIds, offset, limit) =>
      selectChildPage(db, { table, orderBy, where: where(), parentColumn, parentIds, offset, limit }),
    parentIdOf(table, parentColumn),
  );
}

/**
 * The unpaged one-to-many loader (an IOU's repayments, a group payment's shares): all of `table`'s rows by
 * `parentColumn`, in `orderBy` order within each parent, one statement per batch however many parents ask.
 */
export function childrenLoader<T extends SQLiteTable>(
  db: BetterSQLite3Database<Record<string, unknown>>,
  options: { table: T; parentColumn: SQLiteColumn; orderBy: SQL },
): DataLoader<string, T['$inferSelect'][]> {
  const { table, parentColumn, orderBy } = options;
  const orderKey = fragmentKey(orderBy);
  return groupLoader(
    (parentIds) => {
      if (orderKey === undefined) {
        return db
          .select()
          .from(table as SQLiteTable)
          .where(inArray(parentColumn, [...parentIds]))
          .orderBy(orderBy)
          .all() as T['$inferSelect'][];
      }
      // Built once per database, then bound (see `preparedFor`).
      const query = preparedFor(db, `children|${orderKey}|${parentColumnKey(parentColumn)}`, () =>
        db
          .select()
          .from(table as SQLiteTable)
          .where(inJsonList(parentColumn, 'parentIds'))
          .orderBy(orderBy)
          .prepare(),
      );
      return query.all({ parentIds: JSON.stringify(parentIds) }) as T['$inferSelect'][];
    },
    parentIdOf(table, parentColumn),
  );
}

/** Reads a row's parent id from the field of `parentColumn`, which must be a column of `table`. */
function parentIdOf<T extends SQLiteTable>(table: T, parentColumn: SQLiteColumn): (row: T['$inferSelect']) => string {
  const parentField = Object.entries(getTableColumns(table)).find(([, column]) => column === parentColumn)?.[0];
  if (!parentField) throw new Error(`${parentColumn.name} is not a column of the table it pages`);
  return (row) => String((row as Record<string, unknown>)[parentField] ?? '');
}

/** Names a parent column in a `preparedFor` key (the table is named with it). */
function parentColumnKey(column: SQLiteColumn): string {
  return `"${getTableName(column.table)}"."${column.name}"`;
}

function isColumnList(column: SQLiteColumn | readonly SQLiteColumn[]): column is readonly SQLiteColumn[] {
  return Array.isArray(column);
}

/** The order of a list newest first: `time` descending, then `tiebreak` descending, so that pages never overlap. */
export function newestFirst(time: SQLiteColumn, tiebreak: SQLiteColumn): SQL {
  return sql`${time} desc, ${tiebreak} desc`;
}
