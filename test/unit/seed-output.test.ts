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
 * drizzle's `__drizzle_migrations` is left out: it records which migrations ran, not what the seed wrote, and a
 * migration that only rewrites data (none of it seeded) would change it.
 */
function canonicalDump(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const lines = [`user_version ${db.pragma('user_version', { simple: true })}`];
    const tables = db
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> '__drizzle_migrations' order by name",
      )
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
    merchants: 'e04bf607bc81289f8de95e706785b4a0d7ab5eaeb0d3fd45462b6c08607e461a',
    content: 'd510e6f188cf6a5e12eb361097ade1627b7c4b1badef38e0845abf0e4c85c67c',
    offers: '1c0b46ac0fa09786f6e1500a729d2a9274edb356f700e6e3b45883fe8d171b85',
    social: 'ca8ba130c0e53d858f86038f49c3dca12edde551cc31f452dac667c0bad47193',
  },
  3: {
    merchants: '8177a263862c2c0f24f2cf53ad94de429b7a50ebeac8fb5d9ee398f9437b45cb',
    content: 'c8997e7f6c4dc453842e1ee7b923f6b5cb4a562967e5c1c56d8b125767dfd740',
    offers: 'ad2bc5bc855ed7d5fe343718ed41418fe826325a8b68d9f9a430880dff5426b9',
    social: 'ca81511a2a504fcb6c8ff9a9fa9cc368ef2ecf2a412935bc868170cc37f2e9d2',
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
