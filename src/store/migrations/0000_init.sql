CREATE TABLE `customers` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`timezone` text,
	`locale` text,
	`birthday` text,
	`attributes` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customers_email_unique` ON `customers` (`email`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`customer_email` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'received' NOT NULL,
	`customer_id` text,
	`processed_at` integer,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `events_status_received` ON `events` (`status`,`received_at`);--> statement-breakpoint
CREATE INDEX `events_customer` ON `events` (`customer_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `flow_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`flow_id` text NOT NULL,
	`flow_version` text NOT NULL,
	`customer_id` text NOT NULL,
	`ownership_id` text,
	`event_id` text NOT NULL,
	`entry_key` text NOT NULL,
	`state` text NOT NULL,
	`status` text NOT NULL,
	`wake_at` integer,
	`seq` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`completed_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ownership_id`) REFERENCES `ownerships`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `flow_runs_entry_key_unique` ON `flow_runs` (`entry_key`);--> statement-breakpoint
CREATE INDEX `flow_runs_status_wake` ON `flow_runs` (`status`,`wake_at`);--> statement-breakpoint
CREATE INDEX `flow_runs_customer` ON `flow_runs` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `flow_runs_event` ON `flow_runs` (`event_id`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`dedupe_key` text NOT NULL,
	`run_id` text,
	`step_id` text,
	`flow_id` text,
	`customer_id` text NOT NULL,
	`ownership_id` text,
	`event_id` text,
	`template` text NOT NULL,
	`to_address` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`lease_until` integer,
	`message_id_header` text NOT NULL,
	`subject` text,
	`smtp_response` text,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`run_id`) REFERENCES `flow_runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ownership_id`) REFERENCES `ownerships`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_dedupe_key_unique` ON `messages` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `messages_status_updated` ON `messages` (`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `messages_customer` ON `messages` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_message_id_header` ON `messages` (`message_id_header`);--> statement-breakpoint
CREATE TABLE `ownerships` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`product_id` text NOT NULL,
	`serial` text DEFAULT '' NOT NULL,
	`kind` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ownerships_customer_product_serial` ON `ownerships` (`customer_id`,`product_id`,`serial`);--> statement-breakpoint
CREATE INDEX `ownerships_product` ON `ownerships` (`product_id`,`status`);--> statement-breakpoint
CREATE TABLE `products` (
	`id` text PRIMARY KEY NOT NULL,
	`sku` text NOT NULL,
	`name` text,
	`category` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `products_sku_unique` ON `products` (`sku`);--> statement-breakpoint
CREATE TABLE `run_steps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` text NOT NULL,
	`seq` integer NOT NULL,
	`step_id` text NOT NULL,
	`step_type` text NOT NULL,
	`at` integer NOT NULL,
	`detail` text,
	FOREIGN KEY (`run_id`) REFERENCES `flow_runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `run_steps_run` ON `run_steps` (`run_id`,`id`);