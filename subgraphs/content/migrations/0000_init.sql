CREATE TABLE `comments` (
	`id` text PRIMARY KEY NOT NULL,
	`post_id` text NOT NULL,
	`user_id` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `comments_post_created_idx` ON `comments` (`post_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `comments_user_id_idx` ON `comments` (`user_id`);--> statement-breakpoint
CREATE TABLE `follows` (
	`user_id` text NOT NULL,
	`account_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `account_id`),
	FOREIGN KEY (`account_id`) REFERENCES `life_accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `follows_account_id_idx` ON `follows` (`account_id`);--> statement-breakpoint
CREATE INDEX `follows_user_created_idx` ON `follows` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `life_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`bio` text NOT NULL,
	`merchant_id` text,
	`follower_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `life_accounts_merchant_id_unique` ON `life_accounts` (`merchant_id`);--> statement-breakpoint
CREATE INDEX `life_accounts_kind_idx` ON `life_accounts` (`kind`);--> statement-breakpoint
CREATE INDEX `life_accounts_name_idx` ON `life_accounts` (`name`,`id`);--> statement-breakpoint
CREATE TABLE `live_stream_offers` (
	`live_stream_id` text NOT NULL,
	`position` integer NOT NULL,
	`kind` text NOT NULL,
	`target_id` text NOT NULL,
	PRIMARY KEY(`live_stream_id`, `position`),
	FOREIGN KEY (`live_stream_id`) REFERENCES `live_streams`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `live_stream_offers_target_idx` ON `live_stream_offers` (`target_id`);--> statement-breakpoint
CREATE TABLE `live_streams` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`title` text NOT NULL,
	`status` text NOT NULL,
	`scheduled_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`viewer_count` integer DEFAULT 0 NOT NULL,
	`published_by_user_id` text,
	FOREIGN KEY (`account_id`) REFERENCES `life_accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `live_streams_account_scheduled_idx` ON `live_streams` (`account_id`,`scheduled_at`,`id`);--> statement-breakpoint
CREATE INDEX `live_streams_status_scheduled_idx` ON `live_streams` (`status`,`scheduled_at`,`id`);--> statement-breakpoint
CREATE INDEX `live_streams_scheduled_idx` ON `live_streams` (`scheduled_at`,`id`);--> statement-breakpoint
CREATE TABLE `post_attachments` (
	`post_id` text NOT NULL,
	`position` integer NOT NULL,
	`kind` text NOT NULL,
	`target_id` text NOT NULL,
	PRIMARY KEY(`post_id`, `position`),
	FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `post_attachments_target_idx` ON `post_attachments` (`target_id`);--> statement-breakpoint
CREATE TABLE `post_favorites` (
	`user_id` text NOT NULL,
	`post_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `post_id`),
	FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `post_favorites_post_id_idx` ON `post_favorites` (`post_id`);--> statement-breakpoint
CREATE INDEX `post_favorites_user_created_idx` ON `post_favorites` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `post_likes` (
	`user_id` text NOT NULL,
	`post_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `post_id`),
	FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `post_likes_post_id_idx` ON `post_likes` (`post_id`);--> statement-breakpoint
CREATE TABLE `post_shares` (
	`id` text PRIMARY KEY NOT NULL,
	`post_id` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `post_shares_post_id_idx` ON `post_shares` (`post_id`);--> statement-breakpoint
CREATE INDEX `post_shares_user_id_idx` ON `post_shares` (`user_id`);--> statement-breakpoint
CREATE TABLE `posts` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`media_urls` text NOT NULL,
	`store_id` text,
	`lat` real,
	`lng` real,
	`published_at` integer NOT NULL,
	`published_by_user_id` text,
	`like_count` integer DEFAULT 0 NOT NULL,
	`favorite_count` integer DEFAULT 0 NOT NULL,
	`comment_count` integer DEFAULT 0 NOT NULL,
	`share_count` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `life_accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `posts_account_published_idx` ON `posts` (`account_id`,`published_at`,`id`);--> statement-breakpoint
CREATE INDEX `posts_published_idx` ON `posts` (`published_at`,`id`);--> statement-breakpoint
CREATE INDEX `posts_store_id_idx` ON `posts` (`store_id`);--> statement-breakpoint
CREATE INDEX `posts_lat_lng_idx` ON `posts` (`lat`,`lng`);