CREATE TABLE `wake_promotions` (
	`id` text PRIMARY KEY NOT NULL,
	`promoted_through` integer NOT NULL,
	`updated_at` integer NOT NULL
);
