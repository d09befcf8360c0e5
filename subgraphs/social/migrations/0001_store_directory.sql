CREATE TABLE `store_directory` (
	`store_id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL
);
