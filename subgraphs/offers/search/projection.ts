import type Database from 'better-sqlite3';
import { UnknownEventVersion } from '../../shared/events/projection.ts';
import type { DeliveredEvent, EventPayloads } from '../../shared/events/types.ts';
import type { SyncSqlite } from '../../shared/idempotency.ts';
import type { SearchResultType } from '../__generated__/resolvers-types.ts';
import { vocabularyOf } from './text.ts';

/**
 * The search index as a projection of its owners' events: merchants' merchants, stores and mini programs, content's
 * life accounts and posts, and offers' own coupon templates and group buys. A rebuild empties these tables (the FTS
 * table follows search_documents by trigger) and replays the histories, like the live consumers.
 */
export const SEARCH_TABLES = ['search_documents', 'search_words'] as const;

interface Document {
  entityId: string;
  type: SearchResultType;
  merchantId: string | null;
  name: string;
  nameZh?: string | null;
  keywords: string[];
  lat?: number | null;
  lng?: number | null;
}

/**
 * The index's statements, compiled once per connection: a seed or a rebuild applies thousands of events in one
 * transaction, and building each statement with drizzle's `sql` cost more than SQLite's own work (the offers seed
 * at scale 10 took 3–4 times as long once it indexed). Same statements in the same order as before, so the index,
 * its FTS segments included, is written byte for byte as before.
 */
const statementsByConnection = new WeakMap<Database.Database, ReturnType<typeof compile>>();

function memoize<T>(make: (n: number) => T): (n: number) => T {
  const made = new Map<number, T>();
  return (n) => {
    let value = made.get(n);
    if (value === undefined) {
      value = make(n);
      made.set(n, value);
    }
    return value;
  };
}

function compile(sqlite: Database.Database) {
  return {
    upsert: sqlite.prepare(`
      insert into search_documents (entity_id, type, merchant_id, name, name_zh, keywords, lat, lng)
      values (?, ?, ?, ?, ?, ?, ?, ?)
      on conflict (entity_id) do update set type = excluded.type, merchant_id = excluded.merchant_id,
        name = excluded.name, name_zh = excluded.name_zh, keywords = excluded.keywords, lat = excluded.lat,
        lng = excluded.lng`),
    /** The vocabulary insert of a name with `n` long words, one statement per name as before. */
    words: memoize((n: number) =>
      sqlite.prepare(
        `insert into search_words (word, length) values ${Array(n).fill('(?, ?)').join(', ')} on conflict do nothing`,
      ),
    ),
    remove: sqlite.prepare('delete from search_documents where entity_id = ?'),
    merchantNames: sqlite.prepare(
      "select name, name_zh from search_documents where entity_id = ? and type = 'MERCHANT'",
    ),
    exists: sqlite.prepare('select 1 from search_documents where entity_id = ?'),
  };
}

/** The better-sqlite3 connection under a drizzle transaction (drizzle keeps it in its session, untyped). */
function statements(tx: SyncSqlite): ReturnType<typeof compile> {
  const sqlite = (tx as unknown as { session: { client: Database.Database } }).session.client;
  let compiled = statementsByConnection.get(sqlite);
  if (!compiled) {
    compiled = compile(sqlite);
    statementsByConnection.set(sqlite, compiled);
  }
  return compiled;
}

/** Writes a document (replacing the entity's previous one) and adds its names' long words to the vocabulary. */
function upsert(tx: SyncSqlite, doc: Document): void {
  const keywords = doc.keywords.filter(Boolean).join(' ');
  const run = statements(tx);
  run.upsert.run(
    doc.entityId,
    doc.type,
    doc.merchantId,
    doc.name,
    doc.nameZh ?? null,
    keywords,
    doc.lat ?? null,
    doc.lng ?? null,
  );
  const words = vocabularyOf(`${doc.name} ${keywords}`);
  if (words.length > 0) run.words(words.length).run(words.flatMap((word) => [word, word.length]));
}

function remove(tx: SyncSqlite, entityId: string): void {
  statements(tx).remove.run(entityId);
}

/** The merchant's names, so a store, post or coupon of KFC is also found by "KFC" and "肯德基". */
function merchantNames(tx: SyncSqlite, merchantId: string | null): string[] {
  if (!merchantId) return [];
  const row = statements(tx).merchantNames.get(merchantId) as { name: string; name_zh: string | null } | undefined;
  return row ? [row.name, row.name_zh ?? ''] : [];
}

function checkVersion(event: DeliveredEvent): void {
  if (event.version > 1) throw new UnknownEventVersion(event, 1);
}

/** Indexes merchants' merchants, stores (removed when closed) and mini programs. */
export function indexMerchantsEvent(tx: SyncSqlite, event: DeliveredEvent): void {
  checkVersion(event);
  switch (event.type) {
    case 'merchant.created':
    case 'merchant.updated': {
      const m = event.payload as EventPayloads['merchant.created'];
      upsert(tx, {
        entityId: m.merchantId,
        type: 'MERCHANT',
        merchantId: m.merchantId,
        name: m.name,
        nameZh: m.nameZh,
        keywords: [m.categoryName ?? '', m.city],
      });
      return;
    }
    case 'store.created':
    case 'store.updated': {
      const s = event.payload as EventPayloads['store.created'];
      // An update of a closed (removed) store must not bring it back.
      if (event.type === 'store.updated' && !exists(tx, s.storeId)) return;
      upsert(tx, {
        entityId: s.storeId,
        type: 'STORE',
        merchantId: s.merchantId,
        name: s.name,
        keywords: [...merchantNames(tx, s.merchantId), s.address, s.city],
        lat: s.lat,
        lng: s.lng,
      });
      return;
    }
    case 'store.closed':
      remove(tx, (event.payload as EventPayloads['store.closed']).storeId);
      return;
    case 'mini_program.published': {
      const p = event.payload as EventPayloads['mini_program.published'];
      upsert(tx, {
        entityId: p.miniProgramId,
        type: 'MINI_PROGRAM',
        merchantId: p.merchantId,
        name: p.name,
        keywords: [...merchantNames(tx, p.merchantId), p.appId],
      });
      return;
    }
  }
}

/** Indexes content's life accounts and posts. */
export function indexContentEvent(tx: SyncSqlite, event: DeliveredEvent): void {
  checkVersion(event);
  switch (event.type) {
    case 'life_account.created': {
      const a = event.payload as EventPayloads['life_account.created'];
      upsert(tx, {
        entityId: a.accountId,
        type: 'LIFE_ACCOUNT',
        merchantId: a.merchantId,
        name: a.name,
        keywords: [...merchantNames(tx, a.merchantId), a.kind.toLowerCase(), a.bio],
      });
      return;
    }
    case 'post.published': {
      const p = event.payload as EventPayloads['post.published'];
      upsert(tx, {
        entityId: p.postId,
        type: 'POST',
        merchantId: p.merchantId,
        name: p.title,
        keywords: merchantNames(tx, p.merchantId),
      });
      return;
    }
  }
}

/** Indexes offers' own coupon templates and group-buy campaigns (offers consumes its own outbox for this). */
export function indexOffersEvent(tx: SyncSqlite, event: DeliveredEvent): void {
  checkVersion(event);
  switch (event.type) {
    case 'coupon_template.created': {
      const t = event.payload as EventPayloads['coupon_template.created'];
      upsert(tx, {
        entityId: t.templateId,
        type: 'COUPON_TEMPLATE',
        merchantId: t.merchantId,
        name: t.title,
        keywords: [...merchantNames(tx, t.merchantId), 'coupon'],
      });
      return;
    }
    case 'group_buy_campaign.created': {
      const c = event.payload as EventPayloads['group_buy_campaign.created'];
      upsert(tx, {
        entityId: c.campaignId,
        type: 'GROUP_BUY_CAMPAIGN',
        merchantId: c.merchantId,
        name: c.title,
        keywords: [...merchantNames(tx, c.merchantId), 'group buy'],
      });
      return;
    }
  }
}

function exists(tx: SyncSqlite, entityId: string): boolean {
  return statements(tx).exists.get(entityId) !== undefined;
}
