import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { seedDataDir } from '../../seeds/seed.ts';
import { content } from '../../subgraphs/content/index.ts';
import { merchants } from '../../subgraphs/merchants/index.ts';
import { offers } from '../../subgraphs/offers/index.ts';
import { rebuildProjection } from '../../subgraphs/shared/events/rebuild.ts';
import type { SyncSqlite } from '../../subgraphs/shared/idempotency.ts';
import { openSubgraphDatabase } from '../../subgraphs/shared/server.ts';
import { social } from '../../subgraphs/social/index.ts';
import { readRows } from '../support/sqlite.ts';
import { testDataDir } from '../support/temp.ts';

// The seed's projections are what its recorded merchants history produces, so a rebuild changes nothing; and a
// merchants database seeded before the outbox existed gets that history when the seed keeps it.
const TABLES = {
  offers: ['merchant_terms', 'store_merchants', 'search_documents', 'search_words'],
  content: ['store_directory'],
  social: ['store_directory'],
};
const dump = (dir: string, name: keyof typeof TABLES) =>
  Object.fromEntries(
    [...TABLES[name], 'event_cursors'].map((t) => [t, readRows(dir, name, `select * from ${t} order by 1`)]),
  );

describe("the seed's merchants history", () => {
  it('is what the seeded projections are made of: rebuilding them from it changes nothing', () => {
    const dir = testDataDir('lg-events-seed-');
    seedDataDir(dir);
    const events = readRows(
      dir,
      'merchants',
      'select type, count(*) as n from outbox_events group by type order by type',
    );
    const counted = (name: 'merchants' | 'content' | 'offers', table: string) =>
      (readRows(dir, name, `select count(*) as n from ${table}`) as { n: number }[])[0]?.n ?? 0;
    expect(events).toEqual([
      { type: 'merchant.created', n: counted('merchants', 'merchants') },
      { type: 'mini_program.published', n: counted('merchants', 'mini_programs') },
      { type: 'store.created', n: counted('merchants', 'stores') },
    ]);
    // Content's and offers' histories of what search indexes: accounts and posts, templates and campaigns.
    const histories = {
      merchants: counted('merchants', 'outbox_events'),
      content: counted('content', 'life_accounts') + counted('content', 'posts'),
      offers: counted('offers', 'coupon_templates') + counted('offers', 'group_buy_campaigns'),
    };
    expect(counted('content', 'outbox_events')).toBe(histories.content);
    expect(counted('offers', 'outbox_events')).toBe(histories.offers);
    expect(counted('offers', 'search_documents')).toBe(
      counted('merchants', 'merchants') +
        counted('merchants', 'stores') +
        counted('merchants', 'mini_programs') +
        histories.content +
        histories.offers,
    );
    const publishers = {
      merchants: openSubgraphDatabase(merchants, dir),
      content: openSubgraphDatabase(content, dir),
      offers: openSubgraphDatabase(offers, dir),
    };
    try {
      const consumers = {
        offers: () => openSubgraphDatabase(offers, dir),
        content: () => openSubgraphDatabase(content, dir),
        social: () => openSubgraphDatabase(social, dir),
      };
      const projections = { offers: offers.projection, content: content.projection, social: social.projection };
      for (const name of ['offers', 'content', 'social'] as const) {
        const seeded = dump(dir, name);
        const cursors =
          name === 'offers'
            ? [
                { publisher: 'content', position: histories.content },
                { publisher: 'merchants', position: histories.merchants },
                { publisher: 'offers', position: histories.offers },
              ]
            : [{ publisher: 'merchants', position: histories.merchants }];
        expect(seeded.event_cursors).toEqual(cursors);
        const consumer = consumers[name]();
        try {
          const projection = projections[name];
          if (!projection) throw new Error(`${name} has no projection`);
          rebuildProjection(consumer.db as SyncSqlite, projection, (p) => {
            if (p === 'social') throw new Error('no consumer reads social');
            return publishers[p].db as SyncSqlite;
          });
        } finally {
          consumer.close();
        }
        expect(dump(dir, name), name).toEqual(seeded);
      }
    } finally {
      for (const publisher of Object.values(publishers)) publisher.close();
    }
  });

  it('is recorded for a kept merchants database that has none (seeded before the outbox), once', () => {
    const dir = testDataDir('lg-events-seed-');
    seedDataDir(dir);
    const file = new Database(path.join(dir, 'merchants.sqlite'));
    file.exec('delete from outbox_events');
    file.close();
    expect(seedDataDir(dir).map((r) => r.action)).toEqual(['kept', 'kept', 'kept', 'kept']);
    const stores = readRows(dir, 'merchants', "select count(*) as n from outbox_events where type = 'store.created'");
    expect(stores).toEqual(readRows(dir, 'merchants', 'select count(*) as n from stores'));
    const count = () => readRows(dir, 'merchants', 'select count(*) as n from outbox_events');
    const before = count();
    seedDataDir(dir);
    expect(count()).toEqual(before);
  });
});
