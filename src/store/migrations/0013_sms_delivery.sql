ALTER TABLE `messages` ADD `delivery_status` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `delivery_detail` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `delivery_at` integer;