/**
 * The store composed from its areas, each a factory over the same Database (SQLite or
 * Postgres): every method opens its own transaction or read on a handle, so no area can
 * reach a connection outside one.
 */
import { randomUUID } from "node:crypto";
import { broadcastStore } from "./broadcasts.js";
import { countStore } from "./counts.js";
import { customerStore } from "./customers.js";
import { dashboardStore } from "./dashboard.js";
import { dateScheduleStore } from "./date-schedules.js";
import { eventStore } from "./events.js";
import { failureStore } from "./failures.js";
import { flowVersionStore } from "./flow-versions.js";
import { inboundStore } from "./inbound.js";
import { outboxStore } from "./messages.js";
import { preferenceStore } from "./preferences.js";
import { runStore } from "./runs.js";
import { shortLinkStore } from "./short-links.js";
import { smsStore } from "./sms.js";
import type { Database } from "./sql/handle.js";
import type { Store } from "./store.js";
import { timelineStore } from "./timeline.js";
import { wakeScheduleStore } from "./wake-schedule.js";

export interface StoreOptions {
  /** Id generator, injectable so tests can predict ids. */
  newId?: () => string;
}

export function composeStore(database: Database, opts: StoreOptions = {}): Store {
  const newId = opts.newId ?? randomUUID;
  return {
    ...eventStore(database, newId),
    ...customerStore(database, newId),
    ...runStore(database, newId),
    ...flowVersionStore(database),
    ...outboxStore(database, newId),
    ...inboundStore(database, newId),
    ...timelineStore(database),
    ...broadcastStore(database, newId),
    ...dateScheduleStore(database, newId),
    ...failureStore(database),
    ...wakeScheduleStore(database),
    ...preferenceStore(database, newId),
    ...smsStore(database),
    ...shortLinkStore(database, newId),
    ...dashboardStore(database),
    ...countStore(database),
    close: () => database.close(),
  };
}
