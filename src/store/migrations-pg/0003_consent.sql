ALTER TABLE "customers" ADD COLUMN "preferences" text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "category" text DEFAULT 'relationship' NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "topic" text;--> statement-breakpoint
-- Messages queued before categories existed: transactional ones (and notes to the team) are transactional.
UPDATE "messages" SET "category" = 'transactional' WHERE "transactional" = true OR "audience" = 'team';