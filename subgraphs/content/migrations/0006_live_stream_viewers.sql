CREATE TABLE `live_stream_viewers` (
	`live_stream_id` text NOT NULL,
	`user_id` text NOT NULL,
	`joined_at` integer NOT NULL,
	PRIMARY KEY(`live_stream_id`, `user_id`),
	FOREIGN KEY (`live_stream_id`) REFERENCES `live_streams`(`id`) ON UPDATE no action ON DELETE no action
);
