/**
 * The store's backends for tests that must hold on both: SQLite (a file per store) and
 * Postgres (a schema per store in the database TEST_POSTGRES_URL names, else a postgres://
 * DATABASE_URL, else the local server the README names). A backend that cannot run here
 * is skipped with the reason (`skip`), never silently.
 *
 * Use: `describe.each(storeBackends)("… ($name)", ({ openDatabase, skip }) => { … })`,
 * skipping with `skip` when it is set; `openDatabase()` gives a fresh, migrated, empty
 * database (compose a Store on it with composeStore, or call one area's factory).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../src/store/db.js";
import { openPostgres } from "../../src/store/open-postgres.js";
import type { Database } from "../../src/store/sql/handle.js";
import { dropSchema, freshSchema, postgresUnavailable, testPostgresUrl } from "./postgres.js";

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
