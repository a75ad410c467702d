ALTER TABLE "flow_runs" ADD COLUMN "place" text;--> statement-breakpoint
ALTER TABLE "flow_runs" ADD COLUMN "outcome" text;--> statement-breakpoint
-- Runs stored before these columns: their place and outcome from their state (the cursor as JSON.stringify writes it: no spaces).
UPDATE "flow_runs" SET "place" = replace(("state"::jsonb -> 'cursor')::text, ' ', ''), "outcome" = "state"::jsonb ->> 'outcome';--> statement-breakpoint
ALTER TABLE "interactions" ADD COLUMN "handled_at" bigint;--> statement-breakpoint
CREATE INDEX "flow_runs_place" ON "flow_runs" USING btree ("flow_id","flow_version","status","place","outcome");--> statement-breakpoint
CREATE INDEX "interactions_inbox" ON "interactions" USING btree ("occurred_at","id") WHERE handled_at is null and (kind = 'human_reply' or to_owner_address = true);