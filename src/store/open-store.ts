/**
 * Opens the store the settings name: SQLite (the embedded default) or Postgres. Both
 * are migrated to the current schema before the store is handed out.
 */
import { describeStoreLocation, type StoreLocation } from "../config/database.js";
import { composeStore, type StoreOptions } from "./compose.js";
import { openPostgres } from "./open-postgres.js";
import { openSqliteStore } from "./sqlite-store.js";
import type { Store } from "./store.js";

export type { StoreOptions };

export async function openStore(location: StoreLocation, opts: StoreOptions = {}): Promise<Store> {
  if (location.kind === "sqlite") return openSqliteStore(location.path, opts);
  const database = await openPostgres({
    url: location.url,
    schema: location.schema,
    poolSize: location.poolSize,
    describe: describeStoreLocation(location),
  });
  return composeStore(database, opts);
}
