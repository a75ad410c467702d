CREATE TABLE `date_schedules` (
	`key` text PRIMARY KEY NOT NULL,
	`flow_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`ownership_id` text,
	`trigger_key` text NOT NULL,
	`next_at` integer,
	`last_occurrence` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ownership_id`) REFERENCES `ownerships`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `date_schedules_next` ON `date_schedules` (`next_at`);--> statement-breakpoint
CREATE INDEX `date_schedules_flow_customer` ON `date_schedules` (`flow_id`,`customer_id`,`ownership_id`);