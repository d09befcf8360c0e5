-- A data directory from before the search index (0003) has an empty index and event cursors already past the
-- history it is built from, so search would find nothing until a rebuild. With an empty index, the cursors start
-- over and the consumers replay every publisher's history into it on the next start. The other projections
-- (merchant_terms, store_merchants) are upserts and deletes in order: replaying them ends where they are. An index
-- with rows (every directory seeded or built since 0003), or no cursor yet (a new database), changes nothing.
DELETE FROM `event_cursors` WHERE NOT EXISTS (SELECT 1 FROM `search_documents`);
