CREATE TABLE `categories` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `categories_code_unique` ON `categories` (`code`);--> statement-breakpoint
CREATE TABLE `merchants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`category_id` text NOT NULL,
	`status` text NOT NULL,
	`settlement_rate_bps` integer NOT NULL,
	`service_provider_id` text,
	`city` text NOT NULL,
	`joined_circle_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`category_id`) REFERENCES `categories`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`service_provider_id`) REFERENCES `service_providers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `merchants_category_id_idx` ON `merchants` (`category_id`,`id`);--> statement-breakpoint
CREATE INDEX `merchants_service_provider_id_idx` ON `merchants` (`service_provider_id`,`id`);--> statement-breakpoint
CREATE TABLE `mini_programs` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`app_id` text NOT NULL,
	`name` text NOT NULL,
	`online_since` integer NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mini_programs_app_id_unique` ON `mini_programs` (`app_id`);--> statement-breakpoint
CREATE INDEX `mini_programs_merchant_id_idx` ON `mini_programs` (`merchant_id`,`id`);--> statement-breakpoint
CREATE TABLE `service_providers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`city` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `stores` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`name` text NOT NULL,
	`address` text NOT NULL,
	`city` text NOT NULL,
	`lat` real NOT NULL,
	`lng` real NOT NULL,
	`opening_hours` text NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `stores_merchant_id_idx` ON `stores` (`merchant_id`,`id`);--> statement-breakpoint
CREATE INDEX `stores_lat_lng_idx` ON `stores` (`lat`,`lng`);