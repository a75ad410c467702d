CREATE TABLE "broadcasts" (
	"id" text PRIMARY KEY NOT NULL,
	"flow_id" text NOT NULL,
	"event_id" text NOT NULL,
	"audience" text NOT NULL,
	"properties" text DEFAULT '{}' NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"cursor_product_id" text,
	"cursor_ownership_id" text,
	"pages" bigint DEFAULT 0 NOT NULL,
	"total" bigint,
	"started" bigint DEFAULT 0 NOT NULL,
	"skipped" bigint DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"finished_at" bigint
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"timezone" text,
	"locale" text,
	"birthday" text,
	"attributes" text DEFAULT '{}' NOT NULL,
	"tags" text DEFAULT '[]' NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "customers_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "date_schedules" (
	"key" text PRIMARY KEY NOT NULL,
	"flow_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"ownership_id" text,
	"trigger_key" text NOT NULL,
	"next_at" bigint,
	"last_occurrence" bigint,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"occurred_at" bigint NOT NULL,
	"received_at" bigint NOT NULL,
	"customer_email" text NOT NULL,
	"payload" text NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"customer_id" text,
	"processed_at" bigint,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "flow_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"flow_id" text NOT NULL,
	"flow_version" text NOT NULL,
	"customer_id" text NOT NULL,
	"ownership_id" text,
	"event_id" text NOT NULL,
	"entry_key" text NOT NULL,
	"state" text NOT NULL,
	"status" text NOT NULL,
	"wake_at" bigint,
	"seq" bigint DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"completed_at" bigint,
	CONSTRAINT "flow_runs_entry_key_unique" UNIQUE("entry_key")
);
--> statement-breakpoint
CREATE TABLE "flow_versions" (
	"flow_id" text NOT NULL,
	"version" text NOT NULL,
	"definition" text NOT NULL,
	"file" text NOT NULL,
	"first_seen_at" bigint NOT NULL,
	CONSTRAINT "flow_versions_flow_id_version_pk" PRIMARY KEY("flow_id","version")
);
--> statement-breakpoint
CREATE TABLE "inbound_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"received_at" bigint NOT NULL,
	"envelope_from" text,
	"envelope_to" text DEFAULT '[]' NOT NULL,
	"raw" "bytea" NOT NULL,
	"size" bigint NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"interaction_id" text,
	"processed_at" bigint,
	"error" text,
	"failed_customer_id" text
);
--> statement-breakpoint
CREATE TABLE "interactions" (
	"id" text PRIMARY KEY NOT NULL,
	"inbound_id" text,
	"kind" text NOT NULL,
	"message_id_header" text,
	"customer_id" text,
	"ownership_id" text,
	"message_id" text,
	"run_id" text,
	"attributed_by" text,
	"to_owner_address" boolean DEFAULT false NOT NULL,
	"from_address" text,
	"subject" text,
	"text" text,
	"detail" text DEFAULT '{}' NOT NULL,
	"occurred_at" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "interactions_inbound_id_unique" UNIQUE("inbound_id")
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" text PRIMARY KEY NOT NULL,
	"dedupe_key" text NOT NULL,
	"run_id" text,
	"step_id" text,
	"flow_id" text,
	"customer_id" text NOT NULL,
	"ownership_id" text,
	"event_id" text,
	"template" text NOT NULL,
	"audience" text DEFAULT 'customer' NOT NULL,
	"to_address" text NOT NULL,
	"transactional" boolean DEFAULT false NOT NULL,
	"not_before" bigint,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" bigint DEFAULT 0 NOT NULL,
	"uncertain_attempts" bigint DEFAULT 0 NOT NULL,
	"lease_until" bigint,
	"message_id_header" text NOT NULL,
	"subject" text,
	"smtp_response" text,
	"error" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"sent_at" bigint,
	"retried_at" bigint,
	CONSTRAINT "messages_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "ownerships" (
	"id" text PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"product_id" text NOT NULL,
	"serial" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"started_at" bigint NOT NULL,
	"ended_at" bigint,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products" (
	"id" text PRIMARY KEY NOT NULL,
	"sku" text NOT NULL,
	"name" text,
	"category" text,
	"relationship" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "products_sku_unique" UNIQUE("sku")
);
--> statement-breakpoint
CREATE TABLE "run_steps" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"step_id" text NOT NULL,
	"step_type" text NOT NULL,
	"at" bigint NOT NULL,
	"detail" text
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"email" text PRIMARY KEY NOT NULL,
	"reason" text NOT NULL,
	"interaction_id" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "date_schedules" ADD CONSTRAINT "date_schedules_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "date_schedules" ADD CONSTRAINT "date_schedules_ownership_id_ownerships_id_fk" FOREIGN KEY ("ownership_id") REFERENCES "ownerships"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_runs" ADD CONSTRAINT "flow_runs_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_runs" ADD CONSTRAINT "flow_runs_ownership_id_ownerships_id_fk" FOREIGN KEY ("ownership_id") REFERENCES "ownerships"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_inbound_id_inbound_messages_id_fk" FOREIGN KEY ("inbound_id") REFERENCES "inbound_messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_ownership_id_ownerships_id_fk" FOREIGN KEY ("ownership_id") REFERENCES "ownerships"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_run_id_flow_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "flow_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_run_id_flow_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "flow_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_ownership_id_ownerships_id_fk" FOREIGN KEY ("ownership_id") REFERENCES "ownerships"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ownerships" ADD CONSTRAINT "ownerships_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ownerships" ADD CONSTRAINT "ownerships_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_steps" ADD CONSTRAINT "run_steps_run_id_flow_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "flow_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "suppressions" ADD CONSTRAINT "suppressions_interaction_id_interactions_id_fk" FOREIGN KEY ("interaction_id") REFERENCES "interactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "broadcasts_status_updated" ON "broadcasts" USING btree ("status","updated_at");--> statement-breakpoint
CREATE INDEX "date_schedules_next" ON "date_schedules" USING btree ("next_at");--> statement-breakpoint
CREATE INDEX "date_schedules_flow_customer" ON "date_schedules" USING btree ("flow_id","customer_id","ownership_id");--> statement-breakpoint
CREATE INDEX "events_status_received" ON "events" USING btree ("status","received_at");--> statement-breakpoint
CREATE INDEX "events_customer" ON "events" USING btree ("customer_id","occurred_at");--> statement-breakpoint
CREATE INDEX "flow_runs_status_wake" ON "flow_runs" USING btree ("status","wake_at");--> statement-breakpoint
CREATE INDEX "flow_runs_customer" ON "flow_runs" USING btree ("customer_id","created_at");--> statement-breakpoint
CREATE INDEX "flow_runs_event" ON "flow_runs" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "inbound_status_received" ON "inbound_messages" USING btree ("status","received_at");--> statement-breakpoint
CREATE INDEX "inbound_failed_customer" ON "inbound_messages" USING btree ("failed_customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "interactions_message_id_header" ON "interactions" USING btree ("message_id_header");--> statement-breakpoint
CREATE INDEX "interactions_customer" ON "interactions" USING btree ("customer_id","occurred_at");--> statement-breakpoint
CREATE INDEX "messages_status_updated" ON "messages" USING btree ("status","updated_at");--> statement-breakpoint
CREATE INDEX "messages_customer" ON "messages" USING btree ("customer_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_message_id_header" ON "messages" USING btree ("message_id_header");--> statement-breakpoint
CREATE UNIQUE INDEX "ownerships_customer_product_serial" ON "ownerships" USING btree ("customer_id","product_id","serial");--> statement-breakpoint
CREATE INDEX "ownerships_product" ON "ownerships" USING btree ("product_id","status","id");--> statement-breakpoint
CREATE INDEX "products_category" ON "products" USING btree ("category","id");--> statement-breakpoint
CREATE INDEX "run_steps_run" ON "run_steps" USING btree ("run_id","id");