/**
 * The Store on SQLite (better-sqlite3 through drizzle). Calls are synchronous under
 * the hood and wrapped in promises so callers are written for any backend.
 */
import { randomUUID } from "node:crypto";
import * as broadcastsRepo from "./broadcasts.js";
import { ingestEvent } from "./customers.js";
import * as datesRepo from "./date-schedules.js";
import { type OpenedDb, openSqlite } from "./db.js";
import { eventStore } from "./events.js";
import { failureStore } from "./failures.js";
import * as flowVersionsRepo from "./flow-versions.js";
import * as inboundRepo from "./inbound.js";
import { outboxStore } from "./messages.js";
import * as runsRepo from "./runs.js";
import type { Store } from "./store.js";
import { timeline } from "./timeline.js";

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
    ...outboxStore(database, newId),
    ...failureStore(database),
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
    timeline: (email) => run(() => timeline(db, email)),
    recordInbound: (inbound, now) => run(() => inboundRepo.recordInbound(db, inbound, now, newId)),
    getInbound: (id) => run(() => inboundRepo.getInbound(db, id)),
    markInboundFailed: (id, error, now) => run(() => inboundRepo.markInboundFailed(db, id, error, now)),
    listStrandedInbound: (before, limit) => run(() => inboundRepo.listStrandedInbound(db, before, limit)),
    getOwnership: (id) => run(() => inboundRepo.getOwnership(db, id)),
    findCustomerByEmail: (email) => run(() => inboundRepo.findCustomerByEmail(db, email)),
    getCustomer: (id) => run(() => inboundRepo.getCustomer(db, id)),
    recordInteraction: (inboundId, interaction, suppress, now) =>
      run(() => inboundRepo.recordInteraction(db, inboundId, interaction, suppress, now, newId)),
    getSuppression: (email) => run(() => inboundRepo.getSuppression(db, email)),
    listWaitingRuns: (customerId) => run(() => inboundRepo.listWaitingRuns(db, customerId)),
    // Broadcasts (product news)
    createBroadcast: (input, now) => run(() => broadcastsRepo.createBroadcast(db, input, now, newId)),
    getBroadcast: (id) => run(() => broadcastsRepo.getBroadcast(db, id)),
    markBroadcastRunning: (id, total, now) =>
      run(() => broadcastsRepo.markBroadcastRunning(db, id, total, now)),
    markBroadcastFailed: (id, error, now) =>
      run(() => broadcastsRepo.markBroadcastFailed(db, id, error, now)),
    countAudience: (audience) => run(() => broadcastsRepo.countAudience(db, audience)),
    audiencePage: (audience, cursor, limit) =>
      run(() => broadcastsRepo.audiencePage(db, audience, cursor, limit)),
    writeBroadcastPage: (page) => run(() => broadcastsRepo.writeBroadcastPage(db, page, newId)),
    listStrandedBroadcasts: (before, limit) =>
      run(() => broadcastsRepo.listStrandedBroadcasts(db, before, limit)),
    // Date-triggered flows (birthdays, anniversaries)
    dateScheduleSubject: (customerId) => run(() => datesRepo.dateScheduleSubject(db, customerId)),
    upsertDateSchedules: (rows, now) => run(() => datesRepo.upsertDateSchedules(db, rows, now)),
    dateBackfillPage: (flowId, over, after, limit) =>
      run(() => datesRepo.dateBackfillPage(db, flowId, over, after, limit)),
    listDueDateSchedules: (flowIds, now, limit) =>
      run(() => datesRepo.listDueDateSchedules(db, flowIds, now, limit)),
    fireDateSchedule: (firing) => run(() => datesRepo.fireDateSchedule(db, firing, newId)),
    getDateSchedule: (key) => run(() => datesRepo.getDateSchedule(db, key)),
    close: () => opened.close(),
  };
}

/** Opens (and migrates) a SQLite store at `location` (a path or ":memory:"). */
export function openSqliteStore(location: string, opts: SqliteStoreOptions = {}): Store {
  return createSqliteStore(openSqlite(location), opts);
}
