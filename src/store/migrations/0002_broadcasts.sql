CREATE TABLE `broadcasts` (
	`id` text PRIMARY KEY NOT NULL,
	`flow_id` text NOT NULL,
	`event_id` text NOT NULL,
	`audience` text NOT NULL,
	`properties` text DEFAULT '{}' NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`cursor_product_id` text,
	`cursor_ownership_id` text,
	`pages` integer DEFAULT 0 NOT NULL,
	`total` integer,
	`started` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `broadcasts_status_updated` ON `broadcasts` (`status`,`updated_at`);--> statement-breakpoint
DROP INDEX `ownerships_product`;--> statement-breakpoint
CREATE INDEX `ownerships_product` ON `ownerships` (`product_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `products_category` ON `products` (`category`,`id`);