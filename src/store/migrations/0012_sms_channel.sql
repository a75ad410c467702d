CREATE TABLE `sms_suppressions` (
	`phone` text PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`detail` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `channel` text DEFAULT 'email' NOT NULL;