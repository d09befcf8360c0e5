import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataDir } from '../../seeds/seed.ts';
import { content } from '../../subgraphs/content/index.ts';
import { SUBGRAPHS } from '../../subgraphs/index.ts';
import { recordEvent } from '../../subgraphs/shared/events/outbox.ts';
import type { Projection } from '../../subgraphs/shared/events/projection.ts';
import { rebuildProjection } from '../../subgraphs/shared/events/rebuild.ts';
import type { StorePayload } from '../../subgraphs/shared/events/types.ts';
import type { SyncSqlite } from '../../subgraphs/shared/idempotency.ts';
import type { StartedSubgraph } from '../../subgraphs/shared/server.ts';
import { social } from '../../subgraphs/social/index.ts';
import { eventually } from '../support/processes.ts';
import { readRows } from '../support/sqlite.ts';
import { testDataDir } from '../support/temp.ts';

// `npm run events -- rebuild SUBGRAPH`, for real, while the graph runs: after stores were created, moved and closed
// and a rate changed, the consumers' live projections are damaged by hand; the rebuild from merchants' history gives
// back exactly the live rows, cursor included.
const exec = promisify(execFile);
const tsx = path.resolve('node_modules/.bin/tsx');
const dataDir = testDataDir('lg-events-rebuild-');
// biome-ignore lint/suspicious/noExplicitAny: each subgraph has its own tables
const running: Record<string, StartedSubgraph<any>> = {};
const origin = (name: string) => running[name] && new URL(running[name].url).origin;

const SUBGRAPHS_WITH_PROJECTIONS = { content, social };
const PROJECTIONS = {
  offers: ['merchant_terms', 'store_merchants', 'search_documents', 'search_words', 'event_cursors'],
  content: ['store_directory', 'event_cursors'],
  social: ['store_directory', 'event_cursors'],
} as const;
// A search document's doc_id (its full-text rowid) is numbered in the order events were applied, which differs between
// live consumers (interleaved publishers) and a replay (publisher by publisher): compare the documents without it.
const rowsOf = (table: string) =>
  table === 'search_documents'
    ? 'select entity_id, type, merchant_id, name, name_zh, keywords, lat, lng from search_documents order by 1'
    : `select * from ${table} order by 1`;
const dump = (name: keyof typeof PROJECTIONS) =>
  Object.fromEntries(PROJECTIONS[name].map((t) => [t, readRows(dataDir, name, rowsOf(t))]));

beforeAll(async () => {
  seedDataDir(dataDir);
  for (const name of ['merchants', 'offers', 'content', 'social'] as const) {
    running[name] = await SUBGRAPHS[name].start({
      dataDir,
      port: 0,
      subgraphSecret: 'rebuild-secret',
      scheduler: false,
      logger: pino({ level: 'silent' }),
      events: { publisherUrl: origin, waitMs: 2000 },
    });
  }
});
afterAll(async () => {
  for (const subgraph of Object.values(running).reverse()) await subgraph.stop();
});

/** Names of the indexed documents the full-text table matches (it follows search_documents by trigger). */
const ftsNames = (query: string) =>
  (
    readRows(
      dataDir,
      'offers',
      `select d.name from search_fts f join search_documents d on d.doc_id = f.rowid where search_fts match '"${query}"'`,
    ) as { name: string }[]
  ).map((r) => r.name);

describe('npm run events -- rebuild', () => {
  it('rebuilds each projection from the history to exactly the live rows, while the graph runs', async () => {
    const db = running.merchants?.database.db as SyncSqlite;
    const store = (storeId: string, lat: number): StorePayload => ({
      storeId,
      merchantId: 'mer_kfc',
      name: storeId,
      address: '3 Replay Road',
      city: 'Hangzhou',
      lat,
      lng: 120.1,
      openingHours: '08:00-20:00',
    });
    db.transaction((tx) => {
      recordEvent(tx, { type: 'store.created', entityId: 'sto_r1', payload: store('sto_r1', 30.1) });
      recordEvent(tx, { type: 'store.created', entityId: 'sto_r2', payload: store('sto_r2', 30.2) });
      recordEvent(tx, { type: 'store.updated', entityId: 'sto_r1', payload: store('sto_r1', 30.5) });
      const closedAt = new Date().toISOString();
      const closed = { storeId: 'sto_r2', merchantId: 'mer_kfc', closedAt };
      recordEvent(tx, { type: 'store.closed', entityId: 'sto_r2', payload: closed });
      const rate = { merchantId: 'mer_kfc', settlementRateBps: 250, previousRateBps: 0 };
      recordEvent(tx, { type: 'merchant.settlement_rate_changed', entityId: 'mer_kfc', payload: rate });
    });
    const latest = readRows(dataDir, 'merchants', 'select max(id) as n from outbox_events') as { n: number }[];
    const cursor = (name: string) =>
      (
        readRows(dataDir, name, "select position from event_cursors where publisher = 'merchants'") as {
          position: number;
        }[]
      )[0]?.position;
    await eventually(
      () => ['offers', 'content', 'social'].every((name) => cursor(name) === latest[0]?.n),
      'every consumer at the last event',
    );
    // What the live consumers made of it.
    expect(readRows(dataDir, 'content', "select lat from store_directory where store_id like 'sto_r%'")).toEqual([
      { lat: 30.5 },
    ]);
    expect(readRows(dataDir, 'offers', "select * from merchant_terms where merchant_id = 'mer_kfc'")).toEqual([
      // KFC joined the consumption circle 10 days before the seed epoch (the seed's merchant.created says so).
      { merchant_id: 'mer_kfc', settlement_rate_bps: 250, joined_circle_at: Date.parse('2026-10-22T00:00:00.000Z') },
    ]);

    for (const name of ['offers', 'content', 'social'] as const) {
      const live = dump(name);
      // Damage the projection as a bug or a lost copy would: a row gone, a value wrong.
      const file = new Database(path.join(dataDir, `${name}.sqlite`));
      file.exec(
        `delete from ${PROJECTIONS[name][0]} where rowid in (select rowid from ${PROJECTIONS[name][0]} limit 3)`,
      );
      // And the search index: documents gone (with their full-text rows), and one renamed.
      if (name === 'offers') {
        file.exec(`delete from search_documents where doc_id in (select doc_id from search_documents limit 3);
                   update search_documents set name = 'Nobody' where entity_id = 'mer_kfc'`);
      }
      file.close();
      expect(dump(name)).not.toEqual(live);
      if (name === 'offers') {
        // The command itself (a process start costs seconds); the same function in-process for social.
        const { stdout } = await exec(tsx, ['subgraphs/events-cli.ts', 'rebuild', name, '--data-dir', dataDir]);
        // offers reads content's and its own history too, for the search index.
        const last = (publisher: string) =>
          (readRows(dataDir, publisher, 'select max(id) as n from outbox_events') as { n: number }[])[0]?.n;
        expect(stdout).toBe(
          ['merchants', 'content', 'offers'].map((p) => `${name}\t${p}\t${last(p)}\t${last(p)}\n`).join(''),
        );
        expect(ftsNames('KFC')).toContain('KFC');
      } else if (name === 'content') {
        // The command again, reading merchants' history over its GET /events, as on another machine.
        const env = {
          ...process.env,
          LIFEGRAPH_MERCHANTS_EVENTS_URL: origin('merchants') ?? '',
          LIFEGRAPH_SUBGRAPH_SECRET: 'rebuild-secret',
        };
        const args = ['subgraphs/events-cli.ts', 'rebuild', name, '--over-http', '--data-dir', dataDir];
        const { stdout } = await exec(tsx, args, { env });
        expect(stdout).toBe(`${name}\tmerchants\t${latest[0]?.n}\t${latest[0]?.n}\n`);
      } else {
        const projection = SUBGRAPHS_WITH_PROJECTIONS[name].projection as Projection;
        rebuildProjection(running[name]?.database.db as SyncSqlite, projection, () => db);
      }
      expect(dump(name)).toEqual(live);
    }
  });
});
