DROP INDEX `post_shares_post_id_idx`;--> statement-breakpoint
CREATE INDEX `post_shares_post_user_idx` ON `post_shares` (`post_id`,`user_id`);--> statement-breakpoint
-- shareCount now counts distinct sharers: recount the existing posts from their share events.
UPDATE `posts` SET `share_count` = (SELECT count(DISTINCT `user_id`) FROM `post_shares` WHERE `post_shares`.`post_id` = `posts`.`id`);