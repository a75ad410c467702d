/**
 * The store a test reads beside a running rapport: the one its settings name (a SQLite
 * file, or a Postgres schema when the suite runs with RAPPORT_TEST_STORE=postgres).
 */
import { storeLocation } from "../../src/config/database.js";
import type { Settings } from "../../src/config/settings.js";
import { openStore, type StoreOptions } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";

export function openTestStore(settings: Settings, opts: StoreOptions = {}): Promise<Store> {
  return openStore(storeLocation(settings), opts);
}
