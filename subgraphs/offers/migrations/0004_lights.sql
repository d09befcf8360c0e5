CREATE TABLE `promotion_campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`name` text NOT NULL,
	`placements` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text NOT NULL,
	`bidding` text NOT NULL,
	`bid_fen` integer NOT NULL,
	`daily_budget_fen` integer NOT NULL,
	`total_budget_fen` integer NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`target_cities` text NOT NULL,
	`radius_meters` integer,
	`keywords` text NOT NULL,
	`spent_milli_fen` integer DEFAULT 0 NOT NULL,
	`paused_at` integer,
	`created_at` integer NOT NULL,
	CONSTRAINT "promotion_campaigns_bidding_check" CHECK("promotion_campaigns"."bidding" in ('CPC', 'CPM')),
	CONSTRAINT "promotion_campaigns_bid_check" CHECK("promotion_campaigns"."bid_fen" >= 1),
	CONSTRAINT "promotion_campaigns_budget_check" CHECK("promotion_campaigns"."daily_budget_fen" >= 1 and "promotion_campaigns"."total_budget_fen" >= "promotion_campaigns"."daily_budget_fen"),
	CONSTRAINT "promotion_campaigns_spent_check" CHECK("promotion_campaigns"."spent_milli_fen" >= 0 and "promotion_campaigns"."spent_milli_fen" <= "promotion_campaigns"."total_budget_fen" * 1000)
);
--> statement-breakpoint
CREATE INDEX `promotion_campaigns_merchant_idx` ON `promotion_campaigns` (`merchant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `promotion_campaigns_schedule_idx` ON `promotion_campaigns` (`ends_at`,`starts_at`);--> statement-breakpoint
CREATE TABLE `promotion_clicks` (
	`token_id` text PRIMARY KEY NOT NULL,
	`campaign_id` text NOT NULL,
	`user_id` text,
	`day` text NOT NULL,
	`charged_milli_fen` integer NOT NULL,
	`occurred_at` integer NOT NULL,
	FOREIGN KEY (`token_id`) REFERENCES `promotion_impressions`(`token_id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`campaign_id`) REFERENCES `promotion_campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "promotion_clicks_charge_check" CHECK("promotion_clicks"."charged_milli_fen" >= 0)
);
--> statement-breakpoint
CREATE INDEX `promotion_clicks_campaign_idx` ON `promotion_clicks` (`campaign_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `promotion_clicks_user_idx` ON `promotion_clicks` (`user_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `promotion_conversions` (
	`id` text PRIMARY KEY NOT NULL,
	`campaign_id` text NOT NULL,
	`click_token_id` text NOT NULL,
	`user_id` text NOT NULL,
	`source_kind` text NOT NULL,
	`source_id` text NOT NULL,
	`occurred_at` integer NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `promotion_campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`click_token_id`) REFERENCES `promotion_clicks`(`token_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `promotion_conversions_source_idx` ON `promotion_conversions` (`source_kind`,`source_id`);--> statement-breakpoint
CREATE INDEX `promotion_conversions_campaign_idx` ON `promotion_conversions` (`campaign_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `promotion_daily_spend` (
	`campaign_id` text NOT NULL,
	`day` text NOT NULL,
	`merchant_id` text NOT NULL,
	`spent_milli_fen` integer NOT NULL,
	`impressions` integer NOT NULL,
	`clicks` integer NOT NULL,
	PRIMARY KEY(`campaign_id`, `day`),
	FOREIGN KEY (`campaign_id`) REFERENCES `promotion_campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "promotion_daily_spend_spent_check" CHECK("promotion_daily_spend"."spent_milli_fen" >= 0)
);
--> statement-breakpoint
CREATE INDEX `promotion_daily_spend_day_idx` ON `promotion_daily_spend` (`day`);--> statement-breakpoint
CREATE TABLE `promotion_impressions` (
	`token_id` text PRIMARY KEY NOT NULL,
	`campaign_id` text NOT NULL,
	`placement` text NOT NULL,
	`viewer` text NOT NULL,
	`day` text NOT NULL,
	`charged_milli_fen` integer NOT NULL,
	`occurred_at` integer NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `promotion_campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "promotion_impressions_charge_check" CHECK("promotion_impressions"."charged_milli_fen" >= 0)
);
--> statement-breakpoint
CREATE INDEX `promotion_impressions_cap_idx` ON `promotion_impressions` (`campaign_id`,`viewer`,`day`);--> statement-breakpoint
CREATE INDEX `promotion_impressions_campaign_idx` ON `promotion_impressions` (`campaign_id`,`occurred_at`);--> statement-breakpoint
ALTER TABLE `merchant_terms` ADD `joined_circle_at` integer;--> statement-breakpoint
ALTER TABLE `store_merchants` ADD `city` text;--> statement-breakpoint
ALTER TABLE `store_merchants` ADD `lat` real;--> statement-breakpoint
ALTER TABLE `store_merchants` ADD `lng` real;--> statement-breakpoint
CREATE INDEX `store_merchants_lat_idx` ON `store_merchants` (`lat`,`lng`);