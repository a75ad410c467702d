CREATE TABLE "sms_suppressions" (
	"phone" text PRIMARY KEY NOT NULL,
	"reason" text NOT NULL,
	"detail" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "phone" text;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "sms_consent" boolean;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "sms_consent_source" text;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "sms_consent_at" bigint;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "channel" text DEFAULT 'email' NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "delivery_status" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "delivery_detail" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "delivery_at" bigint;