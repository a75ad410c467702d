ALTER TABLE "customers" ADD COLUMN "phone" text;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "sms_consent" boolean;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "sms_consent_source" text;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "sms_consent_at" bigint;