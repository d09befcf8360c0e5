CREATE TABLE `api_key_usage` (
	`key_id` text NOT NULL,
	`minute` integer NOT NULL,
	`requests` integer NOT NULL,
	`cost_points` integer NOT NULL,
	`throttled` integer NOT NULL,
	PRIMARY KEY(`key_id`, `minute`)
);
--> statement-breakpoint
CREATE INDEX `api_key_usage_minute_idx` ON `api_key_usage` (`minute`);--> statement-breakpoint
ALTER TABLE `api_keys` ADD `rate_points_per_second` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `bucket_points` integer;