CREATE TABLE `search_documents` (
	`doc_id` integer PRIMARY KEY NOT NULL,
	`entity_id` text NOT NULL,
	`type` text NOT NULL,
	`merchant_id` text,
	`name` text NOT NULL,
	`name_zh` text,
	`keywords` text NOT NULL,
	`lat` real,
	`lng` real
);
--> statement-breakpoint
CREATE UNIQUE INDEX `search_documents_entity_id_unique` ON `search_documents` (`entity_id`);--> statement-breakpoint
CREATE INDEX `search_documents_type_merchant_idx` ON `search_documents` (`type`,`merchant_id`);--> statement-breakpoint
CREATE TABLE `search_words` (
	`word` text PRIMARY KEY NOT NULL,
	`length` integer NOT NULL
);
--> statement-breakpoint
-- Hand-written (drizzle has no word for FTS5): the full-text index of search_documents, kept in step by triggers.
-- The trigram tokenizer matches any substring of three characters or more, case-insensitively, in any script, so
-- "burg" finds Burger King and 肯德基 finds KFC; shorter queries are matched with instr() (search/query.ts).
CREATE VIRTUAL TABLE `search_fts` USING fts5(`name`, `name_zh`, `keywords`, tokenize = 'trigram');
--> statement-breakpoint
CREATE TRIGGER `search_documents_fts_insert` AFTER INSERT ON `search_documents` BEGIN
	INSERT INTO `search_fts` (rowid, `name`, `name_zh`, `keywords`)
	VALUES (new.`doc_id`, new.`name`, coalesce(new.`name_zh`, ''), new.`keywords`);
END;
--> statement-breakpoint
CREATE TRIGGER `search_documents_fts_update` AFTER UPDATE ON `search_documents` BEGIN
	DELETE FROM `search_fts` WHERE rowid = old.`doc_id`;
	INSERT INTO `search_fts` (rowid, `name`, `name_zh`, `keywords`)
	VALUES (new.`doc_id`, new.`name`, coalesce(new.`name_zh`, ''), new.`keywords`);
END;
--> statement-breakpoint
CREATE TRIGGER `search_documents_fts_delete` AFTER DELETE ON `search_documents` BEGIN
	DELETE FROM `search_fts` WHERE rowid = old.`doc_id`;
END;
