/**
 * A store as the previous release left it (PREVIOUS_RELEASE): a copy of the migrations
 * folder whose journal ends at that release's last migration, applied with drizzle's migrator
 * as rapport applies the whole folder (src/store/db.ts, src/store/open-postgres.ts).
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { migrate as migrateSqlite } from "drizzle-orm/better-sqlite3/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { postgresConfig, quoteIdent } from "../../src/store/sql/postgres-database.js";
import { SqliteDriver } from "../../src/store/sqlite-driver.js";

interface Journal {
  entries: { tag: string }[];
}

/**
 * What the previous release's schema was: the last migration it had, per dialect. There
 * is no earlier release on record; this is the schema before consent and the dashboard
 * (the store as it stood before those two). Moved on at each release.
 */
export const PREVIOUS_RELEASE = {
  sqlite: "0009_wake_promotions",
  postgres: "0002_ownership_id_prefix",
} as const;

/** The migrations folder through the tag `through`; the tags left out, oldest first. */
export function previousMigrations(folder: string, through: string): { folder: string; leftOut: string[] } {
  const copy = join(mkdtempSync(join(tmpdir(), "rapport-previous-")), "migrations");
  cpSync(resolve(folder), copy, { recursive: true });
  const file = join(copy, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(file, "utf8")) as Journal;
  const last = journal.entries.findIndex((e) => e.tag === through);
  if (last < 0) throw new Error(`${file}: no migration ${through}`);
  const leftOut = journal.entries.splice(last + 1).map((e) => e.tag);
  writeFileSync(file, JSON.stringify(journal, null, 2));
  return { folder: copy, leftOut };
}

/** A SQLite file on the previous schema, with `seed` statements run on it. */
export function sqliteOnPreviousSchema(path: string, seed: string[]): string[] {
  const previous = previousMigrations("src/store/migrations", PREVIOUS_RELEASE.sqlite);
  const sqlite = new SqliteDriver(path);
  try {
    migrateSqlite(drizzleSqlite(sqlite), { migrationsFolder: previous.folder });
    for (const statement of seed) sqlite.exec(statement);
  } finally {
    sqlite.close();
  }
  return previous.leftOut;
}

/** A Postgres schema on the previous schema, with `seed` statements run in it. */
export async function postgresOnPreviousSchema(
  url: string,
  schema: string,
  seed: string[],
): Promise<string[]> {
  const previous = previousMigrations("src/store/migrations-pg", PREVIOUS_RELEASE.postgres);
  const client = new pg.Client(postgresConfig(url, { poolSize: 1, schema }));
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await migratePg(drizzlePg(client), { migrationsFolder: previous.folder, migrationsSchema: schema });
    for (const statement of seed) await client.query(statement);
  } finally {
    await client.end();
  }
  return previous.leftOut;
}
