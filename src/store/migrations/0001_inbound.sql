CREATE TABLE `inbound_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`received_at` integer NOT NULL,
	`envelope_from` text,
	`envelope_to` text DEFAULT '[]' NOT NULL,
	`raw` blob NOT NULL,
	`size` integer NOT NULL,
	`status` text DEFAULT 'received' NOT NULL,
	`interaction_id` text,
	`processed_at` integer,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `inbound_status_received` ON `inbound_messages` (`status`,`received_at`);--> statement-breakpoint
CREATE TABLE `interactions` (
	`id` text PRIMARY KEY NOT NULL,
	`inbound_id` text NOT NULL,
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
CREATE UNIQUE INDEX `interactions_inbound_id_unique` ON `interactions` (`inbound_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `interactions_message_id_header` ON `interactions` (`message_id_header`);--> statement-breakpoint
CREATE INDEX `interactions_customer` ON `interactions` (`customer_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `suppressions` (
	`email` text PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`interaction_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`interaction_id`) REFERENCES `interactions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `audience` text DEFAULT 'customer' NOT NULL;