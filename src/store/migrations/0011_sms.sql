ALTER TABLE `customers` ADD `phone` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `sms_consent` integer;--> statement-breakpoint
ALTER TABLE `customers` ADD `sms_consent_source` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `sms_consent_at` integer;