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
 * Updated for search (issue 13), checked by diffing the dumps before and after at scale 1: merchants gained
 * `name_zh` (the brands' Chinese names) and merchant.created payloads `nameZh`/`categoryName`, merchants' history
 * `mini_program.published` per mini program, content and offers an outbox (accounts and posts; templates and
 * campaigns), offers the search index tables and cursors for content and offers; no other row changed.
 * Updated for Lights (issue 13, merged with Search): merchants' seeded `merchant.created` events carry
 * `joinedCircleAt`; offers has the Lights tables with the seeded campaigns and history, and store locations and
 * circle membership in its projections. Content and social hash as Search left them.
 * Updated for live subscriptions (issue 14): content has the (empty) live_stream_viewers table of joinLiveStream; only
 * its schema is new in the dump.
 */
const EXPECTED: Record<number, Record<string, string>> = {
  1: {
    merchants: 'c3f1ddb39b45bd784a10a80bb7199d2f1ab725eaf5186302cd850cab1ca3ec2c',
    content: 'cb6f9bfa05ab3a3e5a7229279d23c93690b003e678e5ad65e9ad6f51678c7c43',
    offers: '582fd5bf58998a39f41995276239b4eb9c383cbe78f8d1171dafa68fc407b88a',
    social: '1e2a14d15749354c5f9f57085925b064f9770e0338c145e8b58652d884876d46',
  },
  3: {
    merchants: 'b04c514d0a2b50566031afabcb31858254b1a85363bb1b3b8ac54878f4f1b32d',
    content: 'aaec88914090488767de4cb4ecd6a06dcc68afa2d75eb7f90a843e62733bc59f',
    offers: '89c5d88bbd390b21fe983194e4d7529d9380d1f31663f64a7152b9739b504c72',
    social: 'f6e30800805e7d60c7a79b0c0538ff0e70867a52a97ab7bf27257e3a252a33b0',
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
