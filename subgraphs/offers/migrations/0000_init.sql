CREATE TABLE `commissions` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`settlement_id` text NOT NULL,
	`kind` text NOT NULL,
	`rate_bps` integer NOT NULL,
	`base_amount_fen` integer NOT NULL,
	`amount_fen` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`settlement_id`) REFERENCES `settlements`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `commissions_settlement_kind_idx` ON `commissions` (`settlement_id`,`kind`);--> statement-breakpoint
CREATE INDEX `commissions_merchant_idx` ON `commissions` (`merchant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `coupon_templates` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`title` text NOT NULL,
	`kind` text NOT NULL,
	`face_value_fen` integer,
	`percent_off` integer,
	`cap_fen` integer,
	`min_spend_fen` integer NOT NULL,
	`total_stock` integer NOT NULL,
	`remaining_stock` integer NOT NULL,
	`per_user_limit` integer NOT NULL,
	`claim_starts_at` integer NOT NULL,
	`claim_ends_at` integer NOT NULL,
	`valid_days` integer NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "coupon_templates_remaining_stock_check" CHECK("coupon_templates"."remaining_stock" >= 0 and "coupon_templates"."remaining_stock" <= "coupon_templates"."total_stock"),
	CONSTRAINT "coupon_templates_per_user_limit_check" CHECK("coupon_templates"."per_user_limit" >= 1),
	CONSTRAINT "coupon_templates_kind_check" CHECK(("coupon_templates"."kind" = 'FIXED_AMOUNT' and "coupon_templates"."face_value_fen" > 0 and "coupon_templates"."percent_off" is null)
        or ("coupon_templates"."kind" = 'PERCENT_OFF' and "coupon_templates"."percent_off" between 1 and 99 and "coupon_templates"."face_value_fen" is null))
);
--> statement-breakpoint
CREATE INDEX `coupon_templates_merchant_idx` ON `coupon_templates` (`merchant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `coupons` (
	`id` text PRIMARY KEY NOT NULL,
	`template_id` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`claimed_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`redeemed_at` integer,
	`redeemed_store_id` text,
	`order_amount_fen` integer,
	`discount_fen` integer,
	`payable_fen` integer,
	`live_stream_id` text,
	FOREIGN KEY (`template_id`) REFERENCES `coupon_templates`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `coupons_user_idx` ON `coupons` (`user_id`,`claimed_at`);--> statement-breakpoint
CREATE INDEX `coupons_template_user_idx` ON `coupons` (`template_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `coupons_live_stream_idx` ON `coupons` (`live_stream_id`);--> statement-breakpoint
CREATE INDEX `coupons_status_expires_idx` ON `coupons` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `group_buy_campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`title` text NOT NULL,
	`group_size` integer NOT NULL,
	`group_price_fen` integer NOT NULL,
	`original_price_fen` integer NOT NULL,
	`fill_within_minutes` integer NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "group_buy_campaigns_group_size_check" CHECK("group_buy_campaigns"."group_size" >= 2)
);
--> statement-breakpoint
CREATE INDEX `group_buy_campaigns_merchant_idx` ON `group_buy_campaigns` (`merchant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `group_buy_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`campaign_id` text NOT NULL,
	`leader_id` text NOT NULL,
	`status` text NOT NULL,
	`group_size` integer NOT NULL,
	`member_count` integer NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`succeeded_at` integer,
	`failed_at` integer,
	FOREIGN KEY (`campaign_id`) REFERENCES `group_buy_campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "group_buy_groups_member_count_check" CHECK("group_buy_groups"."member_count" >= 0 and "group_buy_groups"."member_count" <= "group_buy_groups"."group_size")
);
--> statement-breakpoint
CREATE INDEX `group_buy_groups_campaign_idx` ON `group_buy_groups` (`campaign_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `group_buy_groups_status_expires_idx` ON `group_buy_groups` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `group_buy_groups_leader_idx` ON `group_buy_groups` (`leader_id`);--> statement-breakpoint
CREATE TABLE `group_buy_members` (
	`group_id` text NOT NULL,
	`user_id` text NOT NULL,
	`position` integer NOT NULL,
	`paid_fen` integer NOT NULL,
	`joined_at` integer NOT NULL,
	`refunded_at` integer,
	PRIMARY KEY(`group_id`, `user_id`),
	FOREIGN KEY (`group_id`) REFERENCES `group_buy_groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `group_buy_members_position_idx` ON `group_buy_members` (`group_id`,`position`);--> statement-breakpoint
CREATE INDEX `group_buy_members_user_idx` ON `group_buy_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`caller` text NOT NULL,
	`key` text NOT NULL,
	`operation` text NOT NULL,
	`request_hash` text NOT NULL,
	`response_json` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`caller`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_created_idx` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `merchant_terms` (
	`merchant_id` text PRIMARY KEY NOT NULL,
	`settlement_rate_bps` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `settlements` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`source_kind` text NOT NULL,
	`source_id` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`live_stream_id` text,
	`created_at` integer NOT NULL,
	CONSTRAINT "settlements_amount_check" CHECK("settlements"."amount_fen" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `settlements_source_idx` ON `settlements` (`source_kind`,`source_id`);--> statement-breakpoint
CREATE INDEX `settlements_merchant_idx` ON `settlements` (`merchant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `settlements_live_stream_idx` ON `settlements` (`live_stream_id`);--> statement-breakpoint
CREATE TABLE `store_merchants` (
	`store_id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `store_merchants_merchant_idx` ON `store_merchants` (`merchant_id`);