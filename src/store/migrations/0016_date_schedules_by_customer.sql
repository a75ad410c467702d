DROP INDEX `date_schedules_flow_customer`;--> statement-breakpoint
CREATE INDEX `date_schedules_customer_flow` ON `date_schedules` (`customer_id`,`flow_id`,`ownership_id`);