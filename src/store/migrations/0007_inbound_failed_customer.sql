ALTER TABLE `inbound_messages` ADD `failed_customer_id` text;--> statement-breakpoint
CREATE INDEX `inbound_failed_customer` ON `inbound_messages` (`failed_customer_id`);