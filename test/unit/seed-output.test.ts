import { createHash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { seedDataDir } from '../../seeds/seed.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/settings.ts';
import { testDataDir } from '../support/temp.ts';

/**
 * A canonical text of one seeded database: its `user_version`, then every table by name with its rows ordered by
 * every column and each value as SQLite stores it (`quote()` tells the integer 1 from the text '1' and from 1.0).
 */
function canonicalDump(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const lines = [`user_version ${db.pragma('user_version', { simple: true })}`];
    const tables = db
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
      .pluck()
      .all() as string[];
    for (const table of tables) {
      const columns = db.prepare('select name from pragma_table_info(?) order by cid').pluck().all(table) as string[];
      const quoted = columns.map((c) => `quote("${c}")`).join(', ');
      const order = columns.map((_, i) => i + 1).join(', ');
      const rows = db.prepare(`select ${quoted} from "${table}" order by ${order}`).raw().all() as string[][];
      lines.push(`table ${table} (${columns.join(', ')}): ${rows.length} rows`, ...rows.map((r) => r.join('|')));
    }
    return lines.join('\n');
  } finally {
    db.close();
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** sha256 of each subgraph database's canonical dump, as the seed wrote it before the seeds were split up. */
const EXPECTED: Record<number, Record<string, string>> = {
  1: {
    merchants: 'a89dc607bca5ed5e6a40ecdaedb60f22917eec5628b7502a43daf681dd5a2b2e',
    content: 'bab949dfc050c57d940e35835add6641b628959eee0ad814d7ea8b4fce6610e7',
    offers: 'aecfed401038894cb260b73317cdc7f55c1f2b0905117a83dc46db6336d25327',
    social: '1720a674d6dedd5eb193006b524e9b71e8a3156180c5c9beea2363ac3ca9a66d',
  },
  3: {
    merchants: '3ae40b7d31b648013a2aa6b86bca79caa9351d756172918be1116da90e03bf7d',
    content: '840602349bc592c3f3b0ea06c11b73e017cca32e798fdd95a1cb08f09528f050',
    offers: '68c9ccf55cea6357db23a0a9f7ff3cf53ef2244e4e6d4cec5c61a2bacbd87508',
    social: '10c1e9bc55ab89a1ba1118e0c25c2ead4509edd2c40ba5bb74608d3df1606f72',
  },
};

describe('seed output', () => {
  for (const scale of [1, 3]) {
    it(`is byte for byte what it was at scale ${scale}`, () => {
      const dir = testDataDir('lg-seed-output-');
      const hashes = () =>
        Object.fromEntries(
          SUBGRAPH_NAMES.map((name) => [name, sha256(canonicalDump(path.join(dir, `${name}.sqlite`)))]),
        );
      seedDataDir(dir, { scale });
      expect(hashes()).toEqual(EXPECTED[scale]);
      // A second run keeps every database as it is.
      expect(seedDataDir(dir, { scale }).map((r) => r.action)).toEqual(SUBGRAPH_NAMES.map(() => 'kept'));
      expect(hashes()).toEqual(EXPECTED[scale]);
    });
  }
});
