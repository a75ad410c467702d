/** The Store on a SQLite file (or ":memory:"): the embedded default. */
import { composeStore, type StoreOptions } from "./compose.js";
import { openSqlite } from "./db.js";
import type { Store } from "./store.js";

export type SqliteStoreOptions = StoreOptions;

/** Opens (and migrates) a SQLite store at `location` (a path or ":memory:"). */
export function openSqliteStore(location: string, opts: SqliteStoreOptions = {}): Store {
  return composeStore(openSqlite(location).database, opts);
}
