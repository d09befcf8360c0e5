import type { BaseSQLiteDatabase, SQLiteTable } from 'drizzle-orm/sqlite-core';

/** Rows per multi-row insert statement. */
const CHUNK = 500;

/** Inserts `rows` into `table` in multi-row statements of at most CHUNK rows (call it inside the seed's transaction). */
export function insertInChunks<T extends SQLiteTable, TRunResult, TSchema extends Record<string, unknown>>(
  db: BaseSQLiteDatabase<'sync', TRunResult, TSchema>,
  table: T,
  rows: T['$inferInsert'][],
): void {
  for (let i = 0; i < rows.length; i += CHUNK)
    db.insert(table)
      .values(rows.slice(i, i + CHUNK))
      .run();
}
