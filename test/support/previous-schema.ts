/**
 * A store as the previous release left it: test/fixtures/previous-release/store.json, every
 * row a released rapport wrote (made by running that release; dump.ts beside it says how),
 * put back on that release's schema. The schema is this repository's migrations folder with
 * its journal cut at the release's last migration, applied with drizzle's migrator as rapport
 * applies the whole folder (src/store/db.ts, src/store/open-postgres.ts); releasedMigrationsEdited
 * checks that those migrations are still the files the release shipped.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { migrate as migrateSqlite } from "drizzle-orm/better-sqlite3/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { postgresConfig, quoteIdent } from "../../src/store/sql/postgres-database.js";
import { SqliteDriver } from "../../src/store/sqlite-driver.js";

type Dialect = "sqlite" | "postgres";
type Value = string | number | null | { $base64: string };

export interface ReleasedStore {
  version: string;
  commit: string;
  migrations: Record<Dialect, { tag: string; hash: string }[]>;
  /** Rows per table, parents before children. */
  tables: Record<string, Record<string, Value>[]>;
}

export const PREVIOUS_RELEASE: ReleasedStore = JSON.parse(
  readFileSync(resolve("test/fixtures/previous-release/store.json"), "utf8"),
);

const FOLDER: Record<Dialect, string> = {
  sqlite: "src/store/migrations",
  postgres: "src/store/migrations-pg",
};

interface Journal {
  entries: { tag: string }[];
}

/** The release's migrations whose file is gone or no longer the one it shipped (drizzle's hash). */
export function releasedMigrationsEdited(dialect: Dialect): string[] {
  return PREVIOUS_RELEASE.migrations[dialect]
    .filter(({ tag, hash }) => {
      const file = resolve(FOLDER[dialect], `${tag}.sql`);
      return (
        !existsSync(file) || createHash("sha256").update(readFileSync(file).toString()).digest("hex") !== hash
      );
    })
    .map((m) => m.tag);
}

/** The migrations folder through the release's last migration; the tags left out, oldest first. */
function releasedMigrations(dialect: Dialect): { folder: string; leftOut: string[] } {
  const through = PREVIOUS_RELEASE.migrations[dialect].at(-1)?.tag;
  const copy = join(mkdtempSync(join(tmpdir(), "rapport-previous-")), "migrations");
  cpSync(resolve(FOLDER[dialect]), copy, { recursive: true });
  const file = join(copy, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(file, "utf8")) as Journal;
  const last = journal.entries.findIndex((e) => e.tag === through);
  if (last < 0) throw new Error(`${file}: no migration ${through}`);
  const leftOut = journal.entries.splice(last + 1).map((e) => e.tag);
  writeFileSync(file, JSON.stringify(journal, null, 2));
  return { folder: copy, leftOut };
}

const value = (v: Value): string | number | null | Buffer =>
  v !== null && typeof v === "object" ? Buffer.from(v.$base64, "base64") : v;

/** Each row as a column list and its values (booleans stay 0/1: Postgres reads '0'/'1' as booleans). */
function inserts(quote: (name: string) => string): { sql: (n: number) => string; values: unknown[] }[] {
  return Object.entries(PREVIOUS_RELEASE.tables).flatMap(([table, rows]) =>
    rows.map((row) => {
      const columns = Object.keys(row);
      return {
        sql: (n: number) =>
          `INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES (${columns
            .map((_, i) => (n === 0 ? "?" : `$${i + 1}`))
            .join(", ")})`,
        values: columns.map((c) => value(row[c] as Value)),
      };
    }),
  );
}

/** A SQLite file holding the previous release's store; the migrations it has yet to run. */
export function sqliteOnPreviousRelease(path: string): string[] {
  const previous = releasedMigrations("sqlite");
  const sqlite = new SqliteDriver(path);
  try {
    migrateSqlite(drizzleSqlite(sqlite), { migrationsFolder: previous.folder });
    const quote = (name: string) => `"${name}"`;
    sqlite.transaction(() => {
      for (const row of inserts(quote)) sqlite.prepare(row.sql(0)).run(...row.values);
    })();
  } finally {
    sqlite.close();
  }
  return previous.leftOut;
}

/** A Postgres schema holding the previous release's store; the migrations it has yet to run. */
export async function postgresOnPreviousRelease(url: string, schema: string): Promise<string[]> {
  const previous = releasedMigrations("postgres");
  const client = new pg.Client(postgresConfig(url, { poolSize: 1, schema }));
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await migratePg(drizzlePg(client), { migrationsFolder: previous.folder, migrationsSchema: schema });
    await client.query("BEGIN");
    for (const row of inserts(quoteIdent)) await client.query(row.sql(1), row.values);
    // Rows kept their ids, so the id sequence goes on after them as it did in the release.
    await client.query(
      `SELECT setval(pg_get_serial_sequence('run_steps', 'id'), (SELECT max(id) FROM run_steps))`,
    );
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
  return previous.leftOut;
}
