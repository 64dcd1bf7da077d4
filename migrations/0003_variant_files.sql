CREATE TABLE `variant_files` (
	`variant_id` text NOT NULL,
	`format` text NOT NULL,
	`image_path` text NOT NULL,
	`bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	PRIMARY KEY(`variant_id`, `format`),
	FOREIGN KEY (`variant_id`) REFERENCES `image_variants`(`id`) ON UPDATE no action ON DELETE cascade
);
