CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `image_variants` (
	`id` text PRIMARY KEY NOT NULL,
	`original_image_id` text NOT NULL,
	`name` text NOT NULL,
	`image_path` text,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`status` text NOT NULL,
	`content_type` text NOT NULL,
	`bytes` integer,
	`sha256` text,
	`error` text,
	`repairs` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`original_image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `image_variants_image_name` ON `image_variants` (`original_image_id`,`name`);--> statement-breakpoint
CREATE INDEX `image_variants_status_updated` ON `image_variants` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `images` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`image_path` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`status` text NOT NULL,
	`file_name` text,
	`content_type` text NOT NULL,
	`bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	`orientation` integer DEFAULT 1 NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `images_user_created` ON `images` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `images_status_updated` ON `images` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
