/**
 * The Store on SQLite (better-sqlite3 through drizzle). Calls are synchronous under
 * the hood and wrapped in promises so callers are written for any backend.
 */
import { randomUUID } from "node:crypto";
import { broadcastStore } from "./broadcasts.js";
import { ingestEvent } from "./customers.js";
import { dateScheduleStore } from "./date-schedules.js";
import { type OpenedDb, openSqlite } from "./db.js";
import { eventStore } from "./events.js";
import { failureStore } from "./failures.js";
import * as flowVersionsRepo from "./flow-versions.js";
import { inboundStore } from "./inbound.js";
import * as legacy from "./legacy-lookups.js";
import { outboxStore } from "./messages.js";
import * as runsRepo from "./runs.js";
import type { Store } from "./store.js";
import { timelineStore } from "./timeline.js";
import { wakeScheduleStore } from "./wake-schedule.js";

export interface SqliteStoreOptions {
  /** Id generator, injectable so tests can predict ids. */
  newId?: () => string;
}

export function createSqliteStore(opened: OpenedDb, opts: SqliteStoreOptions = {}): Store {
  const { db, database } = opened;
  const newId = opts.newId ?? randomUUID;
  // Repositories still written on the root drizzle handle run in the connection's turn,
  // so they never land inside another caller's open transaction.
  const run = <T>(fn: () => T): Promise<T> => database.exclusive(() => fn());
  return {
    ...eventStore(database, newId),
    ...inboundStore(database, newId),
    ...timelineStore(database),
    ...broadcastStore(database, newId),
    ...dateScheduleStore(database, newId),
    ...outboxStore(database, newId),
    ...failureStore(database),
    ...wakeScheduleStore(database),
    ingestEvent: (event, now) => run(() => ingestEvent(db, event, now, newId)),
    startRuns: (eventId, customerId, runs, now) =>
      run(() => runsRepo.startRuns(db, eventId, customerId, runs, now, newId)),
    ingestAndStartRuns: (event, now, runsFor) =>
      run(() => runsRepo.ingestAndStartRuns(db, event, now, runsFor, newId)),
    getRun: (id) => run(() => runsRepo.getRun(db, id)),
    recordFlowVersions: (flows, now) => run(() => flowVersionsRepo.recordFlowVersions(db, flows, now)),
    getFlowVersion: (flowId, version) => run(() => flowVersionsRepo.getFlowVersion(db, flowId, version)),
    listFlowVersions: (flowId) => run(() => flowVersionsRepo.listFlowVersions(db, flowId)),
    runContext: (id) => run(() => runsRepo.runContext(db, id)),
    applyAdvance: (a) => run(() => runsRepo.applyAdvance(db, a)),
    listDueRuns: (now, before, limit) => run(() => runsRepo.listDueRuns(db, now, before, limit)),
    getOwnership: (id) => run(() => legacy.getOwnership(db, id)),
    findCustomerByEmail: (email) => run(() => legacy.findCustomerByEmail(db, email)),
    getCustomer: (id) => run(() => legacy.getCustomer(db, id)),
    getSuppression: (email) => run(() => legacy.getSuppression(db, email)),
    listWaitingRuns: (customerId) => run(() => legacy.listWaitingRuns(db, customerId)),
    close: () => opened.close(),
  };
}

/** Opens (and migrates) a SQLite store at `location` (a path or ":memory:"). */
export function openSqliteStore(location: string, opts: SqliteStoreOptions = {}): Store {
  return createSqliteStore(openSqlite(location), opts);
}
