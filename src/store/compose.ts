/**
 * The store composed from its areas, each a factory over the same Database: every method
 * opens its own transaction or read, so no area can reach a connection outside one.
 */
import { randomUUID } from "node:crypto";
import { eventStore } from "./events.js";
import type { Database } from "./sql/handle.js";
import type { Store } from "./store.js";

export interface ComposeOptions {
  /** Id generator, injectable so tests can predict ids. */
  newId?: () => string;
}

export function composeStore(database: Database, opts: ComposeOptions = {}): Store {
  const newId = opts.newId ?? randomUUID;
  const notYet = (area: string) =>
    new Proxy(
      {},
      {
        get: (_t, name) => () =>
          Promise.reject(new Error(`store area ${area}.${String(name)} is not on handles yet`)),
      },
    );
  return {
    ...(notYet("pending") as Omit<Store, keyof ReturnType<typeof eventStore> | "close">),
    ...eventStore(database, newId),
    close: () => database.close(),
  };
}
