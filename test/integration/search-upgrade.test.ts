import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useTestGraph } from '../support/graph.ts';
import { eventually } from '../support/processes.ts';
import { readRows } from '../support/sqlite.ts';

/**
 * A data directory from before the search index: offers' database has the index's tables (migration 0003) but no
 * rows in them, and its event cursors are past the history the index is built from. Migration 0005 starts the
 * cursors over when the index is empty, so the consumers fill it from the history on the next start (to exactly
 * the rows a seeded directory has), and the other projections end as they were.
 */
const BACKFILL = new URL('../../subgraphs/offers/migrations/0005_search_index_backfill.sql', import.meta.url);
let before: { indexed: unknown[]; storeMerchants: unknown[]; merchantTerms: unknown[] } | undefined;
const indexedCount = (dataDir: string) => readRows(dataDir, 'offers', 'select count(*) as n from search_documents');

const graph = useTestGraph({
  beforeStart(dataDir) {
    before = {
      indexed: indexedCount(dataDir),
      storeMerchants: readRows(dataDir, 'offers', 'select * from store_merchants order by store_id'),
      merchantTerms: readRows(dataDir, 'offers', 'select * from merchant_terms order by merchant_id'),
    };
    const db = new Database(path.join(dataDir, 'offers.sqlite'));
    try {
      // As before the search index: empty (the FTS table follows by trigger), the cursors at the last events.
      db.exec('delete from search_documents; delete from search_words;');
      // Then the upgrade's migration, as drizzle's migrator runs it on the first open of the newer code.
      db.exec(readFileSync(BACKFILL, 'utf8'));
    } finally {
      db.close();
    }
  },
});

const SEARCH = `query($q: String!) { search(query: $q, types: [MERCHANT, STORE], first: 3) {
  edges { node { __typename ... on Merchant { name } ... on Store { name } } } } }`;

describe('an older data directory (offers migration 0005)', () => {
  it('fills the empty search index from the history on start, and leaves the other projections as they were', async () => {
    await eventually(
      async () => {
        const answer = await graph.query(SEARCH, { variables: { q: 'kfc' } });
        return answer.body.data?.search.edges.some((e: { node: { name?: string } }) => e.node.name === 'KFC');
      },
      'KFC found by search',
      15_000,
    );
    // Every cursor back at its publisher's last event, the index full, the other projections as they were.
    const behind = () =>
      (readRows(graph.dataDir, 'offers', 'select publisher, position from event_cursors') as Cursor[]).filter(
        ({ publisher, position }) => position !== lastEvent(publisher),
      );
    await eventually(() => behind().length === 0, 'every cursor at its publisher’s last event again', 15_000);
    expect(indexedCount(graph.dataDir)).toEqual(before?.indexed);
    expect(readRows(graph.dataDir, 'offers', 'select * from store_merchants order by store_id')).toEqual(
      before?.storeMerchants,
    );
    expect(readRows(graph.dataDir, 'offers', 'select * from merchant_terms order by merchant_id')).toEqual(
      before?.merchantTerms,
    );
  });
});

interface Cursor {
  publisher: string;
  position: number;
}

function lastEvent(publisher: string): number | undefined {
  return (readRows(graph.dataDir, publisher, 'select max(id) as n from outbox_events') as { n: number }[])[0]?.n;
}
