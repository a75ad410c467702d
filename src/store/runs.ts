/**
 * Flow runs: created once per entry key, advanced under optimistic concurrency
 * (a step writes only if the run is still at the seq it loaded), so a step job that
 * runs twice, or two workers racing on one run, apply each step exactly once.
 */
import { and, asc, eq, isNull, lt, lte, or } from "drizzle-orm";
import type { Db } from "./db.js";
import { toMessage, toRun } from "./rows.js";
import { customers, events, flowRuns, messages, runSteps } from "./schema.js";
import type { AdvanceOutcome, MessageRow, NewRun, RunAdvance, RunRow } from "./store.js";

export function startRuns(
  db: Db,
  eventId: string,
  customerId: string,
  runs: NewRun[],
  now: number,
  newId: () => string,
): RunRow[] {
  return db.transaction(
    (tx) => {
      for (const run of runs) {
        tx.insert(flowRuns)
          .values({
            id: newId(),
            flowId: run.flowId,
            flowVersion: run.flowVersion,
            customerId,
            ownershipId: run.ownershipId,
            eventId,
            entryKey: run.entryKey,
            state: JSON.stringify(run.state),
            status: run.state.status,
            wakeAt: run.state.wakeAt,
            seq: 0,
            createdAt: now,
            updatedAt: now,
          })
          .onConflictDoNothing({ target: flowRuns.entryKey })
          .run();
      }
      tx.update(events)
        .set({ status: "processed", processedAt: now, customerId, error: null })
        .where(eq(events.id, eventId))
        .run();
      return tx
        .select()
        .from(flowRuns)
        .where(and(eq(flowRuns.eventId, eventId), eq(flowRuns.seq, 0)))
        .all()
        .map(toRun);
    },
    { behavior: "immediate" },
  );
}

export function getRun(db: Db, id: string): RunRow | null {
  const row = db.select().from(flowRuns).where(eq(flowRuns.id, id)).get();
  return row ? toRun(row) : null;
}

export function applyAdvance(db: Db, a: RunAdvance): AdvanceOutcome {
  return db.transaction(
    (tx) => {
      const nextSeq = a.expectedSeq + 1;
      const done = a.state.status === "completed" || a.state.status === "failed";
      const updated = tx
        .update(flowRuns)
        .set({
          state: JSON.stringify(a.state),
          status: a.state.status,
          wakeAt: a.state.wakeAt,
          seq: nextSeq,
          updatedAt: a.now,
          completedAt: done ? a.now : null,
          error: a.error ?? null,
        })
        .where(and(eq(flowRuns.id, a.runId), eq(flowRuns.seq, a.expectedSeq)))
        .returning()
        .get();
      if (!updated) {
        const current = tx.select().from(flowRuns).where(eq(flowRuns.id, a.runId)).get();
        return { applied: false, run: current ? toRun(current) : null };
      }
      const current = updated;

      for (const step of a.steps) {
        tx.insert(runSteps)
          .values({ runId: a.runId, seq: nextSeq, ...step })
          .run();
      }
      const created: MessageRow[] = [];
      if (a.messages.length > 0) {
        const customer = tx
          .select({ email: customers.email })
          .from(customers)
          .where(eq(customers.id, current.customerId))
          .get();
        if (!customer)
          throw new Error(`run ${a.runId} names customer ${current.customerId}, which is missing`);
        for (const m of a.messages) {
          const row = tx
            .insert(messages)
            .values({
              id: m.id,
              dedupeKey: `${a.runId}:${a.expectedSeq}:${m.stepId}`,
              runId: a.runId,
              stepId: m.stepId,
              flowId: current.flowId,
              customerId: current.customerId,
              ownershipId: current.ownershipId,
              eventId: current.eventId,
              template: m.template,
              toAddress: customer.email,
              messageIdHeader: m.messageIdHeader,
              createdAt: a.now,
              updatedAt: a.now,
            })
            .returning()
            .get();
          created.push(toMessage(row));
        }
      }
      return { applied: true, run: toRun(current), messages: created };
    },
    { behavior: "immediate" },
  );
}

/** Runs that should have been woken (or started) by now but were not touched for a while. */
export function listDueRuns(db: Db, now: number, updatedBefore: number, limit: number): RunRow[] {
  return db
    .select()
    .from(flowRuns)
    .where(
      and(
        or(
          and(eq(flowRuns.status, "waiting"), lte(flowRuns.wakeAt, now)),
          and(eq(flowRuns.status, "active"), isNull(flowRuns.wakeAt)),
        ),
        lt(flowRuns.updatedAt, updatedBefore),
      ),
    )
    .orderBy(asc(flowRuns.wakeAt))
    .limit(limit)
    .all()
    .map(toRun);
}
