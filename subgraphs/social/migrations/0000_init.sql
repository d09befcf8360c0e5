CREATE TABLE `friend_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`from_user_id` text NOT NULL,
	`to_user_id` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`responded_at` integer,
	FOREIGN KEY (`from_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`to_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `friend_requests_from_idx` ON `friend_requests` (`from_user_id`,`status`);--> statement-breakpoint
CREATE INDEX `friend_requests_to_idx` ON `friend_requests` (`to_user_id`,`status`);--> statement-breakpoint
CREATE UNIQUE INDEX `friend_requests_pending_uq` ON `friend_requests` (`from_user_id`,`to_user_id`) WHERE status = 'PENDING';--> statement-breakpoint
CREATE TABLE `friendships` (
	`user_id` text NOT NULL,
	`friend_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `friend_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`friend_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `friendships_friend_id_idx` ON `friendships` (`friend_id`);--> statement-breakpoint
CREATE INDEX `friendships_user_created_idx` ON `friendships` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `group_payment_shares` (
	`group_payment_id` text NOT NULL,
	`user_id` text NOT NULL,
	`position` integer NOT NULL,
	`amount_fen` integer NOT NULL,
	`paid_at` integer,
	FOREIGN KEY (`group_payment_id`) REFERENCES `group_payments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `group_payment_shares_member_uq` ON `group_payment_shares` (`group_payment_id`,`user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `group_payment_shares_position_uq` ON `group_payment_shares` (`group_payment_id`,`position`);--> statement-breakpoint
CREATE INDEX `group_payment_shares_user_idx` ON `group_payment_shares` (`user_id`);--> statement-breakpoint
CREATE TABLE `group_payments` (
	`id` text PRIMARY KEY NOT NULL,
	`organizer_id` text NOT NULL,
	`title` text NOT NULL,
	`total_fen` integer NOT NULL,
	`store_id` text,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`settled_at` integer,
	`cancelled_at` integer,
	FOREIGN KEY (`organizer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `group_payments_organizer_idx` ON `group_payments` (`organizer_id`);--> statement-breakpoint
CREATE INDEX `group_payments_store_idx` ON `group_payments` (`store_id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`caller` text NOT NULL,
	`key` text NOT NULL,
	`operation` text NOT NULL,
	`request_hash` text NOT NULL,
	`response_json` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `idempotency_keys_caller_key_uq` ON `idempotency_keys` (`caller`,`key`);--> statement-breakpoint
CREATE TABLE `iou_reminders` (
	`id` text PRIMARY KEY NOT NULL,
	`iou_id` text NOT NULL,
	`kind` text NOT NULL,
	`due_window` text NOT NULL,
	`sent_at` integer NOT NULL,
	FOREIGN KEY (`iou_id`) REFERENCES `ious`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `iou_reminders_window_uq` ON `iou_reminders` (`iou_id`,`kind`,`due_window`);--> statement-breakpoint
CREATE TABLE `iou_repayments` (
	`id` text PRIMARY KEY NOT NULL,
	`iou_id` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`paid_at` integer NOT NULL,
	FOREIGN KEY (`iou_id`) REFERENCES `ious`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `iou_repayments_iou_idx` ON `iou_repayments` (`iou_id`,`paid_at`);--> statement-breakpoint
CREATE TABLE `ious` (
	`id` text PRIMARY KEY NOT NULL,
	`lender_id` text NOT NULL,
	`borrower_id` text NOT NULL,
	`created_by_id` text NOT NULL,
	`status` text NOT NULL,
	`principal_fen` integer NOT NULL,
	`repaid_fen` integer DEFAULT 0 NOT NULL,
	`annual_rate_bps` integer,
	`due_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`confirmed_at` integer,
	`declined_at` integer,
	`repaid_at` integer,
	FOREIGN KEY (`lender_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`borrower_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ious_lender_idx` ON `ious` (`lender_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `ious_borrower_idx` ON `ious` (`borrower_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `ious_status_due_idx` ON `ious` (`status`,`due_at`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`nickname` text NOT NULL,
	`avatar_url` text,
	`real_name_verified` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL
);
