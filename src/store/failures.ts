/**
 * Work whose attempts ran out, and bringing it back by hand. The jobs mark a row failed
 * with the reason when its last attempt fails (jobs/exhausted.ts); the sweeper never
 * lists failed rows; `rapport retry` puts them back to their first state.
 */
import { and, asc, eq, inArray, isNull, notInArray, or } from "drizzle-orm";
import type { RunState } from "../flows/types.js";
import type { Db } from "./db.js";
import { events, flowRuns, inboundMessages, messages } from "./schema.js";
import type { FailedInbound, FailedKind } from "./store.js";

/**
 * A queued message whose delivery job used up its attempts: not to be tried again before
 * `notBefore` (the sweeper then re-queues it). A row another attempt holds is left alone.
 */
export function deferMessage(db: Db, id: string, notBefore: number, reason: string, now: number): boolean {
  const r = db
    .update(messages)
    .set({ notBefore, error: reason, updatedAt: now })
    .where(and(eq(messages.id, id), eq(messages.status, "queued")))
    .run();
  return r.changes > 0;
}

/** A run whose step used up its attempts: failed with the reason, unless it has finished already. */
export function failRun(db: Db, id: string, error: string, now: number): boolean {
  return db.transaction(
    (tx) => {
      const row = tx.select().from(flowRuns).where(eq(flowRuns.id, id)).get();
      if (!row || row.status === "completed" || row.status === "failed") return false;
      const state = { ...(JSON.parse(row.state) as RunState), status: "failed", wakeAt: null };
      tx.update(flowRuns)
        .set({
          state: JSON.stringify(state),
          status: "failed",
          wakeAt: null,
          error,
          updatedAt: now,
          completedAt: now,
        })
        .where(eq(flowRuns.id, id))
        .run();
      return true;
    },
    { behavior: "immediate" },
  );
}

/**
 * Only a message still being received, or one the job itself failed without naming a
 * customer yet (too large): one processed meanwhile keeps its outcome.
 */
export function failInbound(
  db: Db,
  id: string,
  error: string,
  customerId: string | null,
  now: number,
): boolean {
  const r = db
    .update(inboundMessages)
    .set({ status: "failed", error, processedAt: now, failedCustomerId: customerId })
    .where(
      and(
        eq(inboundMessages.id, id),
        or(
          eq(inboundMessages.status, "received"),
          and(eq(inboundMessages.status, "failed"), isNull(inboundMessages.failedCustomerId)),
        ),
      ),
    )
    .run();
  return r.changes > 0;
}

/** Only an event still waiting to be processed. */
export function failEvent(db: Db, id: string, error: string, now: number): boolean {
  const r = db
    .update(events)
    .set({ status: "failed", error, processedAt: now })
    .where(and(eq(events.id, id), eq(events.status, "received")))
    .run();
  return r.changes > 0;
}

export function listFailed(db: Db, kind: FailedKind, limit: number): string[] {
  const table = { messages, events, inbound: inboundMessages }[kind];
  return db
    .select({ id: table.id })
    .from(table)
    .where(eq(table.status, "failed"))
    .orderBy(asc(table.id))
    .limit(limit)
    .all()
    .map((r) => r.id);
}

/**
 * Puts failed rows back to their first state (messages: queued, with any retry backoff
 * cleared; events and inbound mail: received). Returns the ids changed; the caller
 * queues them. A message already sent, or being sent, is not touched.
 */
export function resetFailed(db: Db, kind: FailedKind, ids: readonly string[], now: number): string[] {
  if (ids.length === 0) return [];
  if (kind === "messages") {
    return db
      .update(messages)
      .set({ status: "queued", notBefore: null, leaseUntil: null, updatedAt: now })
      .where(
        and(inArray(messages.id, [...ids]), notInArray(messages.status, ["sent", "sending", "suppressed"])),
      )
      .returning({ id: messages.id })
      .all()
      .map((r) => r.id);
  }
  if (kind === "events") {
    return db
      .update(events)
      .set({ status: "received", error: null, processedAt: null })
      .where(and(inArray(events.id, [...ids]), eq(events.status, "failed")))
      .returning({ id: events.id })
      .all()
      .map((r) => r.id);
  }
  return db
    .update(inboundMessages)
    .set({ status: "received", error: null, processedAt: null, failedCustomerId: null })
    .where(and(inArray(inboundMessages.id, [...ids]), eq(inboundMessages.status, "failed")))
    .returning({ id: inboundMessages.id })
    .all()
    .map((r) => r.id);
}

/** Inbound mail that could not be understood, attributed to this customer: for their timeline. */
export function failedInboundOf(db: Db, customerId: string): FailedInbound[] {
  return db
    .select({
      id: inboundMessages.id,
      receivedAt: inboundMessages.receivedAt,
      envelopeFrom: inboundMessages.envelopeFrom,
      error: inboundMessages.error,
    })
    .from(inboundMessages)
    .where(and(eq(inboundMessages.failedCustomerId, customerId), eq(inboundMessages.status, "failed")))
    .orderBy(asc(inboundMessages.receivedAt))
    .all()
    .map((r) => ({ ...r, error: r.error ?? "failed" }));
}
