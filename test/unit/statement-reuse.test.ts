import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld } from '../../seeds/world.ts';
import { writeContent } from '../../seeds/write-content.ts';
import { content } from '../../subgraphs/content/index.ts';
import * as tables from '../../subgraphs/content/tables.ts';
import { newestFirst, pagedChildrenLoader } from '../../subgraphs/shared/child-page-query.ts';
import { rowByIdLoader } from '../../subgraphs/shared/connection.ts';
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

describe('loaders build their statements once per database', () => {
  /** Runs `work` and returns how many statements it asked SQLite to prepare. */
  async function preparesOf(work: () => Promise<unknown>): Promise<number> {
    const prepare = database.sqlite.prepare;
    let prepared = 0;
    database.sqlite.prepare = ((source: string) => {
      prepared += 1;
      return prepare.call(database.sqlite, source);
    }) as typeof prepare;
    try {
      await work();
    } finally {
      database.sqlite.prepare = prepare;
    }
    return prepared;
  }

  it('looks rows up by id for any number of ids, in later requests too, without preparing again', async () => {
    const ids = database.db.select({ id: tables.posts.id }).from(tables.posts).limit(3).all();
    await rowByIdLoader(database.db, tables.posts).load('warm-up');
    const prepared = await preparesOf(async () => {
      for (const n of [1, 2, 3]) {
        const rows = await rowByIdLoader(database.db, tables.posts).loadMany([
          ...ids.slice(0, n).map((r) => r.id),
          'pst_missing',
        ]);
        expect(rows.map((row) => (row as { id: string } | null)?.id ?? null)).toEqual([
          ...ids.slice(0, n).map((r) => r.id),
          null,
        ]);
      }
    });
    expect(prepared).toBe(0);
  });

  it('pages children of several parents with one statement built once, as the unprepared query does', async () => {
    const loader = () =>
      pagedChildrenLoader(database.db, {
        table: tables.posts,
        parentColumn: tables.posts.accountId,
        orderBy: newestFirst(tables.posts.publishedAt, tables.posts.id),
      });
    const accounts = database.db.select({ id: tables.lifeAccounts.id }).from(tables.lifeAccounts).limit(3).all();
    const keys = accounts.map((a) => ({ parentId: a.id, page: { offset: 1, limit: 2 } }));
    await loader().loadMany(keys);
    let pages: unknown[] = [];
    const prepared = await preparesOf(async () => {
      pages = await loader().loadMany(keys);
    });
    expect(prepared).toBe(0);
    const expected = accounts.map((a) => {
      const all = database.db
        .select()
        .from(tables.posts)
        .where(eq(tables.posts.accountId, a.id))
        .orderBy(sql`${tables.posts.publishedAt} desc, ${tables.posts.id} desc`)
        .all();
      return { ids: all.slice(1, 3).map((p) => p.id), hasNextPage: all.length > 3 };
    });
    expect(
      pages.map((page) => {
        const p = page as { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean } };
        return { ids: p.edges.map((e) => e.node.id), hasNextPage: p.pageInfo.hasNextPage };
      }),
    ).toEqual(expected);
    expect(expected.some((e) => e.ids.length > 0)).toBe(true);
  });
});
