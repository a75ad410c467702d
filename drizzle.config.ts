import { defineConfig } from "drizzle-kit";

// Migrations are generated from src/store/schema.ts with `npm run db:generate` and
// applied by the store itself at start-up (src/store/db.ts).
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/store/schema.ts",
  out: "./src/store/migrations",
});
