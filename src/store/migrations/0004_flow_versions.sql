CREATE TABLE `flow_versions` (
	`flow_id` text NOT NULL,
	`version` text NOT NULL,
	`definition` text NOT NULL,
	`file` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	PRIMARY KEY(`flow_id`, `version`)
);
