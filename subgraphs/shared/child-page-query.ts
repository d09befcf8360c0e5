import type DataLoader from 'dataloader';
import { and, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { type ChildPageKey, type Connection, childPageLoader } from './connection.ts';

/**
 * One query that returns, for each parent, its rows `offset + 1 .. offset + limit` in `orderBy` order:
 * `row_number() over (partition by parent order by ...)`. This is what makes a paged child list cost
 * one statement however many parents a page of results has.
 */
export function selectChildPage<T extends SQLiteTable>(
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
  const ranked = db
    .select({
      ...getTableColumns(table),
      rowNumber: sql<number>`row_number() over (partition by ${parentColumn} order by ${orderBy})`.as('row_number'),
    })
    .from(table)
    .where(and(inArray(parentColumn, [...parentIds]), where))
    .as('ranked');
  const rows = db
    .select()
    .from(ranked)
    .where(sql`${sql.identifier('row_number')} > ${offset} and ${sql.identifier('row_number')} <= ${offset + limit}`)
    .orderBy(sql`${sql.identifier('row_number')}`)
    .all() as (T['$inferSelect'] & { rowNumber?: number })[];
  for (const row of rows) delete row.rowNumber;
  return rows;
}

/**
 * The paged one-to-many loader of every subgraph: `table`'s rows by `parentColumn`, in `orderBy` order, one
 * `selectChildPage` statement per page size however many parents ask (see `childPageLoader`). `where` narrows the
 * children (a status filter), and is fixed for the loader's request.
 */
export function pagedChildrenLoader<T extends SQLiteTable>(
  db: BetterSQLite3Database<Record<string, unknown>>,
  options: { table: T; parentColumn: SQLiteColumn; orderBy: SQL; where?: SQL },
): DataLoader<ChildPageKey, Connection<T['$inferSelect']>, string> {
  const { table, parentColumn } = options;
  const parentField = Object.entries(getTableColumns(table)).find(([, column]) => column === parentColumn)?.[0];
  if (!parentField) throw new Error(`${parentColumn.name} is not a column of the table it pages`);
  return childPageLoader(
    (parentIds, offset, limit) => selectChildPage(db, { ...options, parentIds, offset, limit }),
    (row: T['$inferSelect']) => String((row as Record<string, unknown>)[parentField] ?? ''),
  );
}
