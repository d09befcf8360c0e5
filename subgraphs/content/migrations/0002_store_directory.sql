CREATE TABLE `store_directory` (
	`store_id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`lat` real NOT NULL,
	`lng` real NOT NULL
);
--> statement-breakpoint
CREATE INDEX `store_directory_merchant_id_idx` ON `store_directory` (`merchant_id`);