/**
 * The raw Database of a test's store (a SQLite file or a Postgres schema, as its settings
 * say), for tests that seed or count rows straight in SQL beside a running rapport.
 */
import { describeStoreLocation, storeLocation } from "../../src/config/database.js";
import type { Settings } from "../../src/config/settings.js";
import { openSqlite } from "../../src/store/db.js";
import { openPostgres } from "../../src/store/open-postgres.js";
import type { Database } from "../../src/store/sql/handle.js";

export async function openTestDatabase(settings: Settings): Promise<Database> {
  const location = storeLocation(settings);
  if (location.kind === "sqlite") return openSqlite(location.path).database;
  return openPostgres({ ...location, poolSize: 2, describe: describeStoreLocation(location) });
}

/** Runs `fn` on a read handle of the test's store, then closes it. */
export async function readTestDatabase<T>(
  settings: Settings,
  fn: (t: import("../../src/store/sql/handle.js").Sql) => Promise<T>,
): Promise<T> {
  const database = await openTestDatabase(settings);
  try {
    return await database.read(fn);
  } finally {
    await database.close();
  }
}
