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

/**
 * sha256 of each subgraph database's canonical dump, as the seed wrote it before the seeds were split up. Updated for
 * the event backbone (outbox_events with the seed's merchants history, event_cursors of the consumers) and merchants'
 * stores.closed_at and idempotency_keys: without those the dumps still hash to the values before (checked then), so
 * every row that was seeded is as it was, the projections now applied from the events included.
 * Updated for Lights (issue 13): merchants' seeded `merchant.created` events carry `joinedCircleAt`, and offers has
 * the Lights tables with the seeded campaigns and their history, store locations and circle membership in its
 * projections; content and social are unchanged.
 */
const EXPECTED: Record<number, Record<string, string>> = {
  1: {
    merchants: '0e336cdf386ed8c3d218d6a3c91d4cfd045f741f1e434684b003f9b9dce335af',
    content: '072a28f305c27467a50dcf312b84b39dc18b508b8867fe184ad80ad29fb6f3c9',
    offers: '522d00910be968fca4bad43e877c96a2987578d4460622d7b2d8d2fc39dfbc68',
    social: '7096d912711d915a4f8fe0f487e624147a2f09c5447ea67219a4c598e0a97ec7',
  },
  3: {
    merchants: '85b4f2ca3acaaf0296bd40b6a1a690b8dccbb567c79e518703fd778d3160bb63',
    content: '5bb17e2eba6970659f8e68ef8d5901c7c59498b3bf8acf8d612dcb78cd5743fc',
    offers: '8436a5fba781e0fd60690e5321d79b53e192eb17b9fb8a604baf89705e64138b',
    social: '25c814cd5ab8a587a673841dbe8e8eda36f6703c7a9cc72be4cbe5d986f756e9',
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
