/**
 * events queue: an event becomes customer, product and ownership rows, and starts
 * the flow runs it triggers (src/flows/run-start.ts decides which). Safe to run any
 * number of times for one event.
 */
import { waitingForEvent } from "../flows/interpreter.js";
import { eventRunStarts } from "../flows/run-start.js";
import { allSteps } from "../flows/steps.js";
import type { EventRow, RunRow } from "../store/store.js";
import { scheduleCustomerDates } from "./date-schedules.js";
import type { JobDeps } from "./deps.js";
import { afterAdvance, type KnownFacts, type PlannedAdvance, planFirstAdvance } from "./process-step.js";
import type { EventJob } from "./queues.js";
import { takeFirstSteps } from "./start-runs.js";
import { triggerFacts } from "./trigger-facts.js";

export async function processEvent(data: EventJob, deps: JobDeps): Promise<{ runs: number }> {
  const { store, clock } = deps;
  const event = await store.getEvent(data.eventId);
  if (!event) {
    deps.logger.warn({ eventId: data.eventId }, "event job names an event the store does not have");
    return { runs: 0 };
  }
  const started =
    event.status === "processed" && event.customerId
      ? {
          // Processed before: only re-queue runs a crash may have left unstarted.
          customerId: event.customerId,
          pending: await store.startRuns(event.id, event.customerId, [], clock.now()),
          stepped: 0,
          known: undefined,
        }
      : await ingestAndStart(event, deps);
  // The first step of a run not taken in the ingest is taken here rather than in a steps job of its own (start-runs.ts).
  await takeFirstSteps(started.pending, deps, "inline", started.known);
  // Only when some flow waits for events: a store read per event saved otherwise.
  if ([...deps.flows.values()].some((f) => allSteps(f.steps).some((st) => st.type === "wait_for"))) {
    await bringToWaitingRuns(event, started.customerId, deps);
  }
  await scheduleCustomerDates(started.customerId, deps);
  return { runs: started.pending.length + started.stepped };
}

/**
 * Ingest, run creation and the new runs' first steps in one transaction (one commit): the
 * flows and the steps are decided in between, from what was just written. Runs whose
 * first step needs a store read come back `pending`.
 */
async function ingestAndStart(
  event: EventRow,
  deps: JobDeps,
): Promise<{ customerId: string; pending: RunRow[]; stepped: number; known: KnownFacts }> {
  const now = deps.clock.now();
  const planned = new Map<string, PlannedAdvance>();
  const started = await deps.store.ingestAndStartRuns(
    event,
    now,
    (ingested) =>
      eventRunStarts(
        deps.flows.values(),
        triggerFacts(event, ingested),
        now,
        { kind: "event", eventId: event.id },
        { customerId: ingested.customer.id, ownershipId: ingested.ownership?.id ?? null },
      ),
    (run, ingested) => {
      const plan = planFirstAdvance(run, deps, { event, ingested }, now);
      if (plan) planned.set(run.id, plan);
      return plan?.advance ?? null;
    },
  );
  for (const outcome of started.advanced) {
    try {
      await afterAdvance(outcome, planned.get(outcome.run.id)?.wakeAt ?? null, deps);
    } catch (err) {
      // Committed already: a run left without its wake-up job is the sweeper's (listDueRuns).
      deps.logger.warn(
        { runId: outcome.run.id, err: err instanceof Error ? err.message : String(err) },
        "could not queue the first step's wake-up; the sweeper will",
      );
    }
  }
  return {
    customerId: started.ingested.customer.id,
    pending: started.runs,
    stepped: started.advanced.length,
    // What the runs started on, just written: their first step reads none of it back.
    known: { event, ingested: started.ingested },
  };
}

/**
 * Runs of this customer parked on `wait_for: { event: <this type> }` get the event (a job
 * each, deterministic id, so a retried event job adds nothing). Runs this very event
 * started are left out: they began waiting after it.
 */
async function bringToWaitingRuns(event: EventRow, customerId: string, deps: JobDeps): Promise<void> {
  const waiting = await deps.store.listWaitingRuns(customerId);
  for (const run of waiting) {
    if (run.eventId === event.id || waitingForEvent(run.state) !== event.type) continue;
    await deps.queues.addEventInput(run.id, run.seq, {
      eventType: event.type,
      eventId: event.id,
      at: event.occurredAt,
    });
  }
}
