CREATE TABLE "wake_promotions" (
	"id" text PRIMARY KEY NOT NULL,
	"promoted_through" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
