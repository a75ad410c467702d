ALTER TABLE `customers` ADD `preferences` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `category` text DEFAULT 'relationship' NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `topic` text;--> statement-breakpoint
-- Messages queued before categories existed: transactional ones (and notes to the team) are transactional.
UPDATE `messages` SET `category` = 'transactional' WHERE `transactional` = 1 OR `audience` = 'team';