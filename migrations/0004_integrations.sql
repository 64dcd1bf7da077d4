CREATE TABLE `direct_uploads` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`private` integer DEFAULT false NOT NULL,
	`metadata` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`claimed_at` integer,
	`used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `direct_uploads_expires` ON `direct_uploads` (`expires_at`);--> statement-breakpoint
CREATE INDEX `direct_uploads_user_created` ON `direct_uploads` (`user_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `images` ADD `private` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `images` ADD `metadata` text;