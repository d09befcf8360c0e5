import type DataLoader from 'dataloader';
import {
  and,
  getTableColumns,
  getTableName,
  inArray,
  or,
  type Placeholder,
  type SQL,
  type Subquery,
  sql,
} from 'drizzle-orm';
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
  // Ranks the rows of the parents `parents` selects, per parent.
  const ranked = (parents: SQL | undefined) =>
    db
      .select({
        ...getTableColumns(table),
        rowNumber: sql<number>`row_number() over (partition by ${parentColumn} order by ${orderBy})`.as('row_number'),
      })
      .from(table)
      .where(parents)
      .as('ranked');
  type Row = T['$inferSelect'] & { rowNumber?: number };
  const orderKey = where ? undefined : fragmentKey(orderBy);
  // Without a filter, the statement is the same for every batch: built once, then bound (see `preparedFor`).
  const rows: Row[] =
    orderKey === undefined
      ? (pageOf(db, ranked(and(inArray(parentColumn, [...parentIds]), where)), offset, offset + limit).all() as Row[])
      : (preparedFor(db, `child-page|${orderKey}|${parentColumnKey(parentColumn)}`, () =>
          pageOf(
            db,
            ranked(inJsonList(parentColumn, 'parentIds')),
            sql.placeholder('offset'),
            sql.placeholder('end'),
          ).prepare(),
        ).all({ parentIds: JSON.stringify(parentIds), offset, end: offset + limit }) as Row[]);
  for (const row of rows) delete row.rowNumber;
  return rows;
}

/** The rows of a `ranked` subquery (one `row_number` per parent) on the page `offset + 1 .. end` (values or placeholders). */
function pageOf(
  db: BetterSQLite3Database<Record<string, unknown>>,
  ranked: Subquery,
  offset: number | Placeholder,
  end: number | Placeholder,
) {
  const rowNumber = sql.identifier('row_number');
  return db
    .select()
    .from(ranked)
    .where(sql`${rowNumber} > ${offset} and ${rowNumber} <= ${end}`)
    .orderBy(sql`${rowNumber}`);
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
  const rows = pageOf(db, ranked, offset, offset + limit).all() as (T['$inferSelect'] & {
    childPageParent?: string;
    rowNumber?: number;
  })[];
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
  const select = (parents: SQL) =>
    db
      .select()
      .from(table as SQLiteTable)
      .where(parents)
      .orderBy(orderBy);
  return groupLoader(
    (parentIds) =>
      (orderKey === undefined
        ? select(inArray(parentColumn, [...parentIds])).all()
        : // Built once per database, then bound (see `preparedFor`).
          preparedFor(db, `children|${orderKey}|${parentColumnKey(parentColumn)}`, () =>
            select(inJsonList(parentColumn, 'parentIds')).prepare(),
          ).all({ parentIds: JSON.stringify(parentIds) })) as T['$inferSelect'][],
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
