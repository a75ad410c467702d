ALTER TABLE "messages" ADD COLUMN "delivery_status" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "delivery_detail" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "delivery_at" bigint;