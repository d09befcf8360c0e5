import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { SearchResultType } from '../__generated__/resolvers-types.ts';

/**
 * The search index: one row per searchable entity of any subgraph, a projection of their owners' events
 * (search/projection.ts). Its text columns are mirrored into the FTS5 table `search_fts` (trigram tokenizer, so
 * substrings and Chinese match) by triggers of migration 0003_search_index; `doc_id` is the FTS rowid.
 */
export const searchDocuments = sqliteTable(
  'search_documents',
  {
    // No AUTOINCREMENT: a rebuild numbers the documents from 1 again, as the seed did (the FTS rowid follows).
    docId: integer('doc_id').primaryKey(),
    entityId: text('entity_id').notNull().unique(),
    type: text('type').$type<SearchResultType>().notNull(),
    merchantId: text('merchant_id'),
    name: text('name').notNull(),
    nameZh: text('name_zh'),
    /** Categories, cities, addresses, the owning merchant's names: matched, weighted below the name. */
    keywords: text('keywords').notNull(),
    lat: real('lat'),
    lng: real('lng'),
  },
  (t) => [index('search_documents_type_merchant_idx').on(t.type, t.merchantId)],
);

/** Every word of five letters or more in an indexed name: what a one-letter typo is corrected against. */
export const searchWords = sqliteTable('search_words', {
  word: text('word').primaryKey(),
  length: integer('length').notNull(),
});
