import path from 'node:path';
import Database from 'better-sqlite3';

/** The rows `sql` returns from `<dataDir>/<name>.sqlite`, opened read-only and closed again. */
export function readRows(dataDir: string, name: string, sql: string): unknown[] {
  const db = new Database(path.join(dataDir, `${name}.sqlite`), { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}
