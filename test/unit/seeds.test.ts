import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FIXED } from '../../seeds/fixtures.ts';
import { seedDataDir } from '../../seeds/seed.ts';
import { buildWorld } from '../../seeds/world.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/settings.ts';
import { readRows } from '../support/sqlite.ts';
import { testDataDir } from '../support/temp.ts';

/** Every row of every table of a subgraph database, in a stable order. */
function dump(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%' order by name",
      )
      .all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [name, db.prepare(`select * from "${name}" order by 1, 2`).all()]),
    );
  } finally {
    db.close();
  }
}

describe('seeds', () => {
  it('the world is deterministic and holds the fixed records of the spec', () => {
    const world = buildWorld(1);
    expect(JSON.stringify(buildWorld(1))).toBe(JSON.stringify(world));
    const users = new Set(world.users.map((u) => u.id));
    for (const id of [...Object.values(FIXED.users), 'usr_0001', 'usr_0500']) expect(users.has(id)).toBe(true);
    expect(users.has('usr_0501')).toBe(false);
    expect(world.merchants.map((m) => m.id)).toEqual(expect.arrayContaining(['mer_kfc', 'mer_newhope']));
    const pair = (a: string, b: string) =>
      world.friendships.some((f) => (f.userId === a && f.friendId === b) || (f.userId === b && f.friendId === a));
    expect(pair('usr_alice', 'usr_bob')).toBe(true);
    expect(pair('usr_bob', 'usr_carol')).toBe(true);
    expect(world.ious.map((i) => [i.lenderId, i.borrowerId, i.status])).toEqual([
      ['usr_bob', 'usr_carol', 'ACTIVE'],
      ['usr_bob', 'usr_alice', 'ACTIVE'],
    ]);
    const ids = world.posts.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('seeding two data directories gives identical databases, and a second run keeps them', () => {
    const [a, b] = [testDataDir('lifegraph-seed-'), testDataDir('lifegraph-seed-')];
    expect(seedDataDir(a).map((r) => r.action)).toEqual(['seeded', 'seeded', 'seeded', 'seeded']);
    seedDataDir(b);
    for (const name of SUBGRAPH_NAMES) {
      expect(dump(path.join(a, `${name}.sqlite`))).toEqual(dump(path.join(b, `${name}.sqlite`)));
    }
    expect(seedDataDir(a).map((r) => r.action)).toEqual(['kept', 'kept', 'kept', 'kept']);
  });

  it('the store copies of content and social hold exactly the stores of merchants', () => {
    const dir = testDataDir('lifegraph-seed-');
    seedDataDir(dir);
    const rows = (name: string, sql: string) => readRows(dir, name, sql);
    const stores = rows('merchants', 'select id as storeId, merchant_id as merchantId from stores order by id');
    expect(stores.length).toBeGreaterThan(0);
    for (const name of ['content', 'social']) {
      const copy = rows(
        name,
        'select store_id as storeId, merchant_id as merchantId from store_directory order by store_id',
      );
      expect(copy, name).toEqual(stores);
    }
  });

  it('--reset recreates at a new scale', () => {
    const dir = testDataDir('lifegraph-seed-');
    seedDataDir(dir);
    const results = seedDataDir(dir, { reset: true, scale: 2 });
    expect(results.every((r) => r.action === 'seeded' && r.scale === 2)).toBe(true);
    const social = new Database(path.join(dir, 'social.sqlite'), { readonly: true });
    expect((social.prepare('select count(*) as n from users').get() as { n: number }).n).toBe(3 + 2 * 500);
    social.close();
  });

  it('a data directory seeded before social had its store copy gets it filled, the rest kept', () => {
    const dir = testDataDir('lifegraph-seed-');
    seedDataDir(dir);
    const file = path.join(dir, 'social.sqlite');
    const fresh = dump(file);
    // What migration 0001 leaves in a database seeded before it: the table, empty.
    const db = new Database(file);
    db.prepare('delete from store_directory').run();
    db.close();
    expect(dump(file).store_directory).toEqual([]);
    const messages: string[] = [];
    const results = seedDataDir(dir, { onProgress: (m) => messages.push(m) });
    expect(results.map((r) => r.action)).toEqual(['kept', 'kept', 'kept', 'kept']);
    expect(dump(file)).toEqual(fresh);
    expect(messages.some((m) => /social: filled \d+ rows/.test(m))).toBe(true);
    // Filled once: the next run finds the rows and adds nothing.
    const again: string[] = [];
    seedDataDir(dir, { onProgress: (m) => again.push(m) });
    expect(again.some((m) => m.includes('filled'))).toBe(false);
  });
});
