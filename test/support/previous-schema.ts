/**
 * A store as the previous release left it. There is no earlier release on record, so the
 * "previous schema" is the one the migrations before the latest give: a copy of the
 * migrations folder whose journal ends one migration early, applied with drizzle's migrator
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

/** The migrations folder without its last `drop` migrations; the tags left out, newest last. */
export function previousMigrations(folder: string, drop = 1): { folder: string; leftOut: string[] } {
  const copy = join(mkdtempSync(join(tmpdir(), "rapport-previous-")), "migrations");
  cpSync(resolve(folder), copy, { recursive: true });
  const file = join(copy, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(file, "utf8")) as Journal;
  if (journal.entries.length <= drop) throw new Error(`${file}: fewer than ${drop + 1} migrations`);
  const leftOut = journal.entries.splice(journal.entries.length - drop).map((e) => e.tag);
  writeFileSync(file, JSON.stringify(journal, null, 2));
  return { folder: copy, leftOut };
}

/** A SQLite file on the previous schema, with `seed` statements run on it. */
export function sqliteOnPreviousSchema(path: string, seed: string[]): string[] {
  const previous = previousMigrations("src/store/migrations");
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
  const previous = previousMigrations("src/store/migrations-pg");
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
