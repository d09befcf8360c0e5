import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld } from '../../seeds/world.ts';
import { writeContent } from '../../seeds/write-content.ts';
import { content } from '../../subgraphs/content/index.ts';
import * as tables from '../../subgraphs/content/tables.ts';
import { STATEMENT_CACHE_SIZE, type SubgraphDatabase } from '../../subgraphs/shared/db.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { testDataDir } from '../support/temp.ts';

let database: SubgraphDatabase<typeof tables>;

beforeAll(() => {
  database = openSubgraphDatabase(content, testDataDir('lg-'));
  writeContent(database.db, buildWorld(1));
});
afterAll(() => database?.close());

describe('a subgraph database compiles each SQL text once', () => {
  it('hands out the statement it compiled before for the same SQL, and a new one for other SQL', () => {
    const first = database.sqlite.prepare('select count(*) as n from posts');
    expect(database.sqlite.prepare('select count(*) as n from posts')).toBe(first);
    expect(database.sqlite.prepare('select count(*) as n from comments')).not.toBe(first);
  });

  it('gives back rows, not arrays, after drizzle read the same statement as arrays', () => {
    const query = sql`select id from posts order by id limit 1`;
    const [asArray] = database.db.values<[string]>(query);
    const [asRow] = database.db.all<{ id: string }>(query);
    expect(asRow).toEqual({ id: asArray?.[0] });
  });

  it('binds each run its own parameters, and still counts every statement run', () => {
    const ids = database.db.select({ id: tables.posts.id }).from(tables.posts).limit(2).all();
    expect(ids).toHaveLength(2);
    const before = database.stats.statements;
    const found = ids.map(({ id }) => database.db.select().from(tables.posts).where(eq(tables.posts.id, id)).get()?.id);
    expect(found).toEqual(ids.map((r) => r.id));
    expect(database.stats.statements - before).toBe(2);
  });

  it('compiles a statement anew while the cached one is still being iterated', () => {
    const source = 'select id from posts order by id';
    const outer = database.sqlite.prepare(source);
    const seen: string[] = [];
    for (const row of outer.iterate() as Iterable<{ id: string }>) {
      const inner = database.sqlite.prepare(source);
      expect(inner).not.toBe(outer);
      seen.push(row.id, (inner.get() as { id: string }).id);
      break;
    }
    expect(seen[0]).toBe(seen[1]);
  });

  it('keeps at most STATEMENT_CACHE_SIZE statements, dropping the least recently used', () => {
    const kept = database.sqlite.prepare('select 42 as kept');
    for (let i = 0; i < STATEMENT_CACHE_SIZE; i++) {
      if (i % 10 === 0) expect(database.sqlite.prepare('select 42 as kept')).toBe(kept);
      database.sqlite.prepare(`select ${i} as filler`);
    }
    expect(database.sqlite.prepare('select 42 as kept')).toBe(kept);
    expect(database.sqlite.prepare('select 0 as filler')).toBe(database.sqlite.prepare('select 0 as filler'));
    const dropped = database.sqlite.prepare('select 1 as filler');
    for (let i = 0; i <= STATEMENT_CACHE_SIZE; i++) database.sqlite.prepare(`select ${i} as other`);
    expect(database.sqlite.prepare('select 1 as filler')).not.toBe(dropped);
  });
});
