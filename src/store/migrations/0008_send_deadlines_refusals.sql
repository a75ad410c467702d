PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_interactions` (
	`id` text PRIMARY KEY NOT NULL,
	`inbound_id` text,
	`kind` text NOT NULL,
	`message_id_header` text,
	`customer_id` text,
	`ownership_id` text,
	`message_id` text,
	`run_id` text,
	`attributed_by` text,
	`to_owner_address` integer DEFAULT false NOT NULL,
	`from_address` text,
	`subject` text,
	`text` text,
	`detail` text DEFAULT '{}' NOT NULL,
	`occurred_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`inbound_id`) REFERENCES `inbound_messages`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ownership_id`) REFERENCES `ownerships`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`run_id`) REFERENCES `flow_runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_interactions`("id", "inbound_id", "kind", "message_id_header", "customer_id", "ownership_id", "message_id", "run_id", "attributed_by", "to_owner_address", "from_address", "subject", "text", "detail", "occurred_at", "created_at") SELECT "id", "inbound_id", "kind", "message_id_header", "customer_id", "ownership_id", "message_id", "run_id", "attributed_by", "to_owner_address", "from_address", "subject", "text", "detail", "occurred_at", "created_at" FROM `interactions`;--> statement-breakpoint
DROP TABLE `interactions`;--> statement-breakpoint
ALTER TABLE `__new_interactions` RENAME TO `interactions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `interactions_inbound_id_unique` ON `interactions` (`inbound_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `interactions_message_id_header` ON `interactions` (`message_id_header`);--> statement-breakpoint
CREATE INDEX `interactions_customer` ON `interactions` (`customer_id`,`occurred_at`);--> statement-breakpoint
ALTER TABLE `messages` ADD `uncertain_attempts` integer DEFAULT 0 NOT NULL;