import { and, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';

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
