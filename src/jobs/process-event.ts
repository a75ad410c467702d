/**
 * events queue: an event becomes customer, product and ownership rows, and starts
 * the flow runs it triggers. Safe to run any number of times for one event.
 */
import { preferenceView } from "../consent/preferences.js";
import { flowMatches } from "../flows/conditions.js";
import { initialRun, waitingForEvent } from "../flows/interpreter.js";
import { entryWindowStart } from "../flows/rules.js";
import { allSteps } from "../flows/steps.js";
import type { Flow, TriggerFacts } from "../flows/types.js";
import type { EventRow, IngestedEvent, OwnershipRow, ProductRow } from "../store/store.js";
import { scheduleCustomerDates } from "./date-schedules.js";
import type { JobDeps } from "./deps.js";
import { entryKeyFor } from "./entry-key.js";
import { advanceRun } from "./process-step.js";
import type { EventJob } from "./queues.js";

export function triggerFacts(
  event: { type: string; body: { properties?: Record<string, unknown> } },
  ingested: IngestedEvent,
  owned?: ReadonlyArray<OwnershipRow & { product: ProductRow }>,
): TriggerFacts {
  const { customer, product, ownership } = ingested;
  return {
    ...(owned
      ? {
          ownerships: owned.map((o) => ({
            sku: o.product.sku,
            category: o.product.category,
            status: o.status,
            startedAt: o.startedAt,
            kind: o.kind,
          })),
        }
      : {}),
    event: { type: event.type, properties: event.body.properties ?? {} },
    // Conditions read the customer's choices with defaults filled in (customer.preferences.all: true).
    customer: { ...customer, preferences: preferenceView(customer.preferences) },
    product: product ? { ...product, serial: ownership?.serial ?? null } : undefined,
    ownership: ownership
      ? { status: ownership.status, started: ownership.startedAt, kind: ownership.kind }
      : undefined,
  };
}

export async function processEvent(data: EventJob, deps: JobDeps): Promise<{ runs: number }> {
  const { store, queues, clock } = deps;
  const event = await store.getEvent(data.eventId);
  if (!event) {
    deps.logger.warn({ eventId: data.eventId }, "event job names an event the store does not have");
    return { runs: 0 };
  }
  let pending: Awaited<ReturnType<typeof store.startRuns>>;
  let customerId: string;
  if (event.status === "processed" && event.customerId) {
    // Processed before: only re-queue runs a crash may have left unstarted.
    customerId = event.customerId;
    pending = await store.startRuns(event.id, event.customerId, [], clock.now());
  } else {
    const now = clock.now();
    // Ingest and run creation share one transaction; the flows are chosen in between.
    const started = await store.ingestAndStartRuns(event, now, (ingested) => {
      const facts = triggerFacts(event, ingested);
      return [...deps.flows.values()]
        .filter((flow) => flowMatches(flow, facts, now))
        .map((flow) => ({
          flowId: flow.id,
          flowVersion: flow.version,
          ownershipId: ingested.ownership?.id ?? null,
          entryKey: entryKeyFor(flow, {
            customerId: ingested.customer.id,
            ownershipId: ingested.ownership?.id ?? null,
            eventId: event.id,
          }),
          state: initialRun(),
          ...windowed(flow, now),
        }));
    });
    pending = started.runs;
    customerId = started.ingested.customer.id;
  }
  // A new run's first step is taken here rather than in a steps job of its own (one
  // queue hop fewer per run; the runs are in the store already). If that step fails,
  // the run goes to the steps queue and its retries; the sweeper backs that up.
  for (const run of pending) {
    try {
      await advanceRun(run, deps);
    } catch (err) {
      deps.logger.warn(
        { runId: run.id, err: err instanceof Error ? err.message : String(err) },
        "first step failed; queued for retry",
      );
      await queues.addStep(run.id, run.seq);
    }
  }
  // Only when some flow waits for events: a store read per event saved otherwise.
  if ([...deps.flows.values()].some((f) => allSteps(f.steps).some((st) => st.type === "wait_for"))) {
    await bringToWaitingRuns(event, customerId, deps);
  }
  await scheduleCustomerDates(customerId, deps);
  return { runs: pending.length };
}

/** For entry: { at_most_once_in }, the start time an earlier run must be older than. */
function windowed(flow: Flow, now: number): { notIfStartedAfter?: number } {
  const start = entryWindowStart(flow.entry, now);
  return start === null ? {} : { notIfStartedAfter: start };
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
