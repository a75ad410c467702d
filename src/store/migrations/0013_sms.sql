CREATE TABLE `sms_suppressions` (
	`phone` text PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`detail` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `customers` ADD `phone` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `sms_consent` integer;--> statement-breakpoint
ALTER TABLE `customers` ADD `sms_consent_source` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `sms_consent_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `channel` text DEFAULT 'email' NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `delivery_status` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `delivery_detail` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `delivery_at` integer;