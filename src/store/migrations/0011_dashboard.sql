ALTER TABLE `flow_runs` ADD `place` text;--> statement-breakpoint
ALTER TABLE `flow_runs` ADD `outcome` text;--> statement-breakpoint
-- Runs stored before these columns: their place and outcome from their state.
UPDATE `flow_runs` SET `place` = json_extract(`state`, '$.cursor'), `outcome` = json_extract(`state`, '$.outcome');--> statement-breakpoint
CREATE INDEX `flow_runs_place` ON `flow_runs` (`flow_id`,`flow_version`,`status`,`place`,`outcome`);--> statement-breakpoint
ALTER TABLE `interactions` ADD `handled_at` integer;--> statement-breakpoint
CREATE INDEX `interactions_inbox` ON `interactions` (`occurred_at`,`id`) WHERE handled_at is null and (kind = 'human_reply' or to_owner_address = 1);