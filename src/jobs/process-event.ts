/**
 * events queue: an event becomes customer, product and ownership rows, and starts
 * the flow runs it triggers (src/flows/run-start.ts decides which). Safe to run any
 * number of times for one event.
 */
import { waitingForEvent } from "../flows/interpreter.js";
import { eventRunStarts } from "../flows/run-start.js";
import { allSteps } from "../flows/steps.js";
import type { EventRow } from "../store/store.js";
import { scheduleCustomerDates } from "./date-schedules.js";
import type { JobDeps } from "./deps.js";
import type { KnownFacts } from "./process-step.js";
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
  let pending: Awaited<ReturnType<typeof store.startRuns>>;
  let customerId: string;
  let known: KnownFacts | undefined;
  if (event.status === "processed" && event.customerId) {
    // Processed before: only re-queue runs a crash may have left unstarted.
    customerId = event.customerId;
    pending = await store.startRuns(event.id, event.customerId, [], clock.now());
  } else {
    const now = clock.now();
    // Ingest and run creation share one transaction; the flows are chosen in between.
    const started = await store.ingestAndStartRuns(event, now, (ingested) =>
      eventRunStarts(
        deps.flows.values(),
        triggerFacts(event, ingested),
        now,
        { kind: "event", eventId: event.id },
        {
          customerId: ingested.customer.id,
          ownershipId: ingested.ownership?.id ?? null,
        },
      ),
    );
    pending = started.runs;
    customerId = started.ingested.customer.id;
    // What the runs started on, just written: their first step reads none of it back.
    known = { event, ingested: started.ingested };
  }
  // A new run's first step is taken here rather than in a steps job of its own (start-runs.ts).
  await takeFirstSteps(pending, deps, "inline", known);
  // Only when some flow waits for events: a store read per event saved otherwise.
  if ([...deps.flows.values()].some((f) => allSteps(f.steps).some((st) => st.type === "wait_for"))) {
    await bringToWaitingRuns(event, customerId, deps);
  }
  await scheduleCustomerDates(customerId, deps);
  return { runs: pending.length };
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
