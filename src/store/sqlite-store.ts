/**
 * The Store on SQLite: every area's factory over the file's Database (one connection,
 * transactions taking turns; src/store/sql/sqlite-database.ts).
 */
import { randomUUID } from "node:crypto";
import { broadcastStore } from "./broadcasts.js";
import { customerStore } from "./customers.js";
import { dateScheduleStore } from "./date-schedules.js";
import { type OpenedDb, openSqlite } from "./db.js";
import { eventStore } from "./events.js";
import { failureStore } from "./failures.js";
import { flowVersionStore } from "./flow-versions.js";
import { inboundStore } from "./inbound.js";
import { outboxStore } from "./messages.js";
import { runStore } from "./runs.js";
import type { Store } from "./store.js";
import { timelineStore } from "./timeline.js";
import { wakeScheduleStore } from "./wake-schedule.js";

export interface SqliteStoreOptions {
  /** Id generator, injectable so tests can predict ids. */
  newId?: () => string;
}

export function createSqliteStore(opened: OpenedDb, opts: SqliteStoreOptions = {}): Store {
  const { database } = opened;
  const newId = opts.newId ?? randomUUID;
  return {
    ...eventStore(database, newId),
    ...inboundStore(database, newId),
    ...timelineStore(database),
    ...broadcastStore(database, newId),
    ...dateScheduleStore(database, newId),
    ...outboxStore(database, newId),
    ...failureStore(database),
    ...wakeScheduleStore(database),
    ...customerStore(database, newId),
    ...runStore(database, newId),
    ...flowVersionStore(database),
    close: () => opened.close(),
  };
}

/** Opens (and migrates) a SQLite store at `location` (a path or ":memory:"). */
export function openSqliteStore(location: string, opts: SqliteStoreOptions = {}): Store {
  return createSqliteStore(openSqlite(location), opts);
}
