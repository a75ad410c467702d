import { defineConfig } from "drizzle-kit";

// The Postgres twin of drizzle.config.ts: migrations generated from src/store/schema.pg.ts
// with `npm run db:generate` and applied by the store at start-up (src/store/sql/postgres-database.ts).
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/schema.pg.ts",
  out: "./src/store/migrations-pg",
});
