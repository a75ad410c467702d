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
import * as failuresRepo from "./failures.js";
import * as flowVersionsRepo from "./flow-versions.js";
import * as inboundRepo from "./inbound.js";
import * as messagesRepo from "./messages.js";
import * as runsRepo from "./runs.js";
import type { Store } from "./store.js";
import { timeline } from "./timeline.js";
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
    claimMessage: (id, now, leaseMs) => run(() => messagesRepo.claimMessage(db, id, now, leaseMs)),
    markSent: (id, r) => run(() => messagesRepo.markSent(db, id, r)),
    releaseMessage: (id, error, now, opts) =>
      run(() => messagesRepo.releaseMessage(db, id, error, now, opts?.uncertain ?? false)),
    recordSendRefusal: (id, refusal, now) =>
      run(() => messagesRepo.recordSendRefusal(db, id, refusal, now, newId)),
    countPossibleDuplicates: () => run(() => messagesRepo.countPossibleDuplicates(db)),
    failMessage: (id, error, now) => run(() => messagesRepo.failMessage(db, id, error, now)),
    deliveryContext: (id) => run(() => messagesRepo.deliveryContext(db, id)),
    listDueRuns: (now, before, limit) => run(() => runsRepo.listDueRuns(db, now, before, limit)),
    listStrandedMessages: (now, before, limit) =>
      run(() => messagesRepo.listStrandedMessages(db, now, before, limit)),
    timeline: (email) => run(() => timeline(db, email)),
    recordInbound: (inbound, now) => run(() => inboundRepo.recordInbound(db, inbound, now, newId)),
    getInbound: (id) => run(() => inboundRepo.getInbound(db, id)),
    markInboundFailed: (id, error, now) => run(() => inboundRepo.markInboundFailed(db, id, error, now)),
    listStrandedInbound: (before, limit) => run(() => inboundRepo.listStrandedInbound(db, before, limit)),
    getMessage: (id) => run(() => inboundRepo.getMessage(db, id)),
    findMessagesByHeader: (headers) => run(() => inboundRepo.findMessagesByHeader(db, headers)),
    getOwnership: (id) => run(() => inboundRepo.getOwnership(db, id)),
    findCustomerByEmail: (email) => run(() => inboundRepo.findCustomerByEmail(db, email)),
    getCustomer: (id) => run(() => inboundRepo.getCustomer(db, id)),
    recordInteraction: (inboundId, interaction, suppress, now) =>
      run(() => inboundRepo.recordInteraction(db, inboundId, interaction, suppress, now, newId)),
    getSuppression: (email) => run(() => inboundRepo.getSuppression(db, email)),
    listWaitingRuns: (customerId) => run(() => inboundRepo.listWaitingRuns(db, customerId)),
    suppressMessage: (id, reason, now) => run(() => inboundRepo.suppressMessage(db, id, reason, now)),
    relationshipSendTimes: (id, since) => run(() => messagesRepo.relationshipSendTimes(db, id, since)),
    postponeMessage: (id, notBefore, reason, now) =>
      run(() => messagesRepo.postponeMessage(db, id, notBefore, reason, now)),
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
    // Work whose attempts ran out; `rapport retry`
    deferMessage: (id, notBefore, reason, now) =>
      run(() => failuresRepo.deferMessage(db, id, notBefore, reason, now)),
    failRun: (id, error, now) => run(() => failuresRepo.failRun(db, id, error, now)),
    failEvent: (id, error, now) => run(() => failuresRepo.failEvent(db, id, error, now)),
    failInbound: (id, error, customerId, now) =>
      run(() => failuresRepo.failInbound(db, id, error, customerId, now)),
    listFailed: (kind, limit) => run(() => failuresRepo.listFailed(db, kind, limit)),
    resetFailed: (kind, ids, now) => run(() => failuresRepo.resetFailed(db, kind, ids, now)),
    close: () => opened.close(),
  };
}

/** Opens (and migrates) a SQLite store at `location` (a path or ":memory:"). */
export function openSqliteStore(location: string, opts: SqliteStoreOptions = {}): Store {
  return createSqliteStore(openSqlite(location), opts);
}
