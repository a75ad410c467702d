/**
 * The store's backends for tests that must hold on both: SQLite (a file per store) and
 * Postgres (a schema per store in the database TEST_POSTGRES_URL names, else a postgres://
 * DATABASE_URL, else the local server the README names). A backend that cannot run here
 * is skipped with the reason (`skip`), never silently.
 *
 * Use: `describe.each(storeBackends)("… ($name)", ({ open, skip }) => { … })` with
 * `it.skipIf(skip)` or `describe.skipIf`; `open()` gives a fresh, migrated, empty store.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { isPostgresUrl } from "../../src/config/database.js";
import { openSqlite } from "../../src/store/db.js";
import { openPostgres } from "../../src/store/open-postgres.js";
import type { Database } from "../../src/store/sql/handle.js";

export const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/test";

export function testPostgresUrl(): string {
  if (process.env.TEST_POSTGRES_URL) return process.env.TEST_POSTGRES_URL;
  if (isPostgresUrl(process.env.DATABASE_URL)) return process.env.DATABASE_URL;
  return LOCAL_POSTGRES;
}

/** Why Postgres cannot be used here, or null when it can. */
export async function postgresUnavailable(url = testPostgresUrl()): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return null;
  } catch (err) {
    return `no Postgres at ${url} (${(err as Error).message}); set TEST_POSTGRES_URL to run the Postgres half`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh schema name; `dropSchema` removes it. */
export const freshSchema = () => `t_${randomBytes(6).toString("hex")}`;

export async function dropSchema(schema: string, url = testPostgresUrl()): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export interface OpenedTestDatabase {
  database: Database;
  /** Closes it and removes what it stored (the file stays in tmp; the schema is dropped). */
  dispose(): Promise<void>;
}

export interface StoreBackend {
  name: "SQLite" | "Postgres";
  /** Set when this backend cannot run here: why. */
  skip: string | null;
  openDatabase(): Promise<OpenedTestDatabase>;
}

const pgSkip = await postgresUnavailable();

export const storeBackends: StoreBackend[] = [
  {
    name: "SQLite",
    skip: null,
    async openDatabase() {
      const dir = mkdtempSync(join(tmpdir(), "rapport-store-"));
      const opened = openSqlite(join(dir, "t.db"));
      return { database: opened.database, dispose: () => opened.close() };
    },
  },
  {
    name: "Postgres",
    skip: pgSkip,
    async openDatabase() {
      const url = testPostgresUrl();
      const schema = freshSchema();
      const database = await openPostgres({ url, schema, poolSize: 4, describe: `test schema ${schema}` });
      return {
        database,
        async dispose() {
          await database.close();
          await dropSchema(schema, url);
        },
      };
    },
  },
];

if (pgSkip) console.warn(`[store-backends] Postgres tests skipped: ${pgSkip}`);
