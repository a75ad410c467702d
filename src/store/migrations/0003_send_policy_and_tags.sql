ALTER TABLE `customers` ADD `tags` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `transactional` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `not_before` integer;