#!/bin/sh
# Generates the store's migrations for both dialects from src/store/schema.ts (SQLite)
# and src/store/schema.pg.ts (Postgres). Usage: npm run db:generate -- --name what_changed
#
# drizzle-kit writes Postgres foreign keys as REFERENCES "public"."table"; rapport may keep
# its tables in another schema (DATABASE_URL ?schema=NAME, found through search_path), so
# the schema qualifier is taken out. test/unit/store/migrations.test.ts checks it stays out.
set -e
npx drizzle-kit generate --config drizzle.config.ts "$@"
npx drizzle-kit generate --config drizzle.pg.config.ts "$@"
sed -i 's/REFERENCES "public"\./REFERENCES /g' src/store/migrations-pg/*.sql
