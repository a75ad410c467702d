/**
 * Date-triggered flows (`trigger: { date: customer.birthday | ownership.started, at }`):
 * each year, at a local time of day in the customer's time zone.
 *
 * The store keeps one schedule per (flow, customer) for birthday flows and per (flow,
 * ownership) for anniversary flows: the next occurrence (epoch ms), or null when there
 * is none (no birthday known, the ownership disposed). Three things move them:
 *   - scheduleCustomerDates: after an event is ingested, the customer's schedules are
 *     recomputed from the store (birthday, time zone, new or disposed ownerships);
 *   - the backfill: each tick pages on through customers and ownerships (keyset on id,
 *     one bounded page per flow) and schedules those a flow has no (or an outdated)
 *     schedule for: a flow added later, customers ingested before it;
 *   - the firing: each tick takes the due schedules (bounded pages), checks the flow's
 *     `where` on the facts as they are now, and in ONE store transaction moves the
 *     schedule to the next occurrence (only if it is still where it was read), writes the
 *     occurrence's event row (id `date/<flow>/<customer>/<ownership|->/<occurrence>`;
 *     senders' event ids cannot hold '/') and its run (run-start.ts: for every_time, one
 *     run per occurrence). The run's first step is taken after the commit; a run committed but
 *     not advanced (a crash just then) is the sweeper's, like any unstarted run.
 * Every part is safe to repeat and to race: ids and entry keys are deterministic, and a
 * schedule moves only from the time the mover read.
 */
import { isDateTrigger } from "../flows/conditions.js";
import { type DateFlow, decideFiring, plannedNextAt } from "../flows/date-firing.js";
import { runStart } from "../flows/run-start.js";
import type { DateTrigger, Flow, TriggerFacts } from "../flows/types.js";
import type {
  CustomerRow,
  DateFiring,
  DateScheduleRow,
  DateScheduleWrite,
  OwnershipRow,
  ProductRow,
} from "../store/store.js";
import type { JobDeps } from "./deps.js";

// The decisions are pure and shared with the simulation (src/flows/date-firing.ts).
export {
  DATE_MAX_LATE_MS,
  type DateFlow,
  decideFiring,
  type FiringDecision,
  plannedNextAt,
} from "../flows/date-firing.js";

import { takeFirstSteps } from "./start-runs.js";
import { triggerFacts } from "./trigger-facts.js";

export const DATE_PAGE_SIZE = 500;
/** Pages of due schedules one tick handles at most. */
export const DATE_MAX_PAGES_PER_TICK = 10;

export function dateFlowsOf(flows: ReadonlyMap<string, Flow>): DateFlow[] {
  return [...flows.values()].filter((f): f is DateFlow => isDateTrigger(f.trigger));
}

/** Whether the flow's schedules are per ownership (anniversaries) rather than per customer. */
export const perOwnership = (flow: DateFlow) => flow.trigger.date === "ownership.started";

export function dateScheduleKey(flowId: string, customerId: string, ownershipId: string | null): string {
  return `${flowId}|${customerId}|${ownershipId ?? "-"}`;
}

/** The event row of one occurrence. Event ids from senders never contain '/', so it cannot collide with one. */
export function dateEventId(
  flowId: string,
  customerId: string,
  ownershipId: string | null,
  occurrence: number,
): string {
  return `date/${flowId}/${customerId}/${ownershipId ?? "-"}/${occurrence}`;
}

/** What a schedule was computed from besides the customer's data: a change recomputes it. */
export function triggerKeyOf(trigger: DateTrigger, defaultTimezone: string | undefined): string {
  return `${trigger.date}@${trigger.at}|${defaultTimezone ?? ""}`;
}

/** The facts a date trigger is decided on: the customer as now, the ownership and product, the occurrence. */
export function dateFacts(
  trigger: DateTrigger,
  subject: { customer: CustomerRow; ownership: OwnershipRow | null; product: ProductRow | null },
  occurrence: number | null,
): TriggerFacts {
  const properties = {
    field: trigger.date,
    occurrence: occurrence === null ? null : new Date(occurrence).toISOString(),
  };
  return triggerFacts({ type: "date", body: { properties } }, subject);
}

type Deps = Pick<JobDeps, "store" | "flows" | "brand" | "clock" | "logger">;

function scheduleWrite(
  flow: DateFlow,
  customer: CustomerRow,
  ownership: OwnershipRow | null,
  existing: DateScheduleRow | null,
  now: number,
  defaultTimezone: string,
): DateScheduleWrite | null {
  const triggerKey = triggerKeyOf(flow.trigger, defaultTimezone);
  const facts = dateFacts(flow.trigger, { customer, ownership, product: null }, null);
  const nextAt = plannedNextAt(
    flow.trigger,
    facts,
    existing && existing.triggerKey === triggerKey ? existing : existing && { ...existing, nextAt: null },
    now,
    defaultTimezone,
  );
  if (existing && existing.nextAt === nextAt && existing.triggerKey === triggerKey) return null;
  return {
    key: dateScheduleKey(flow.id, customer.id, ownership?.id ?? null),
    flowId: flow.id,
    customerId: customer.id,
    ownershipId: ownership?.id ?? null,
    triggerKey,
    nextAt,
  };
}

/**
 * Recomputes the customer's schedules of every date flow from the store (their birthday
 * and time zone as now, each ownership's start and status). Idempotent; an events job
 * calls it after every event, retries included.
 */
export async function scheduleCustomerDates(customerId: string, deps: Deps): Promise<number> {
  const flows = dateFlowsOf(deps.flows);
  if (flows.length === 0) return 0;
  const subject = await deps.store.dateScheduleSubject(customerId);
  if (!subject) return 0;
  const now = deps.clock.now();
  const tz = deps.brand.defaultTimezone;
  const existing = new Map(subject.schedules.map((s) => [s.key, s]));
  const writes: DateScheduleWrite[] = [];
  for (const flow of flows) {
    const owned = perOwnership(flow) ? subject.ownerships : [null];
    for (const ownership of owned) {
      const key = dateScheduleKey(flow.id, customerId, ownership?.id ?? null);
      const w = scheduleWrite(flow, subject.customer, ownership, existing.get(key) ?? null, now, tz);
      if (w) writes.push(w);
    }
  }
  await deps.store.upsertDateSchedules(writes, now);
  return writes.length;
}

/** Where each flow's backfill goes on from (in memory: a restart begins a new pass). */
export type BackfillCursors = Map<string, string>;

/**
 * One page per date flow: customers (or ownerships) after the flow's cursor that have
 * no schedule of it, or one computed for another trigger, get one. The cursor goes round
 * and round, so customers ingested before the flow existed are reached within a pass.
 */
export async function backfillDateSchedules(
  deps: Deps,
  cursors: BackfillCursors,
  pageSize = DATE_PAGE_SIZE,
): Promise<number> {
  const now = deps.clock.now();
  const tz = deps.brand.defaultTimezone;
  let written = 0;
  for (const flow of dateFlowsOf(deps.flows)) {
    const over = perOwnership(flow) ? "ownerships" : "customers";
    const page = await deps.store.dateBackfillPage(flow.id, over, cursors.get(flow.id) ?? "", pageSize);
    const triggerKey = triggerKeyOf(flow.trigger, tz);
    const writes: DateScheduleWrite[] = [];
    for (const item of page.items) {
      if (item.schedule && item.schedule.triggerKey === triggerKey) continue;
      const w = scheduleWrite(flow, item.customer, item.ownership, item.schedule, now, tz);
      if (w) writes.push(w);
    }
    await deps.store.upsertDateSchedules(writes, now);
    written += writes.length;
    if (page.next === null) cursors.delete(flow.id);
    else cursors.set(flow.id, page.next);
  }
  return written;
}

export interface FiringCounts {
  /** Due schedules looked at. */
  due: number;
  /** Runs started. */
  started: number;
}

/**
 * Takes the schedules due now (bounded pages, oldest first) and handles each: start the
 * occurrence's run when the flow's `where` holds, and move the schedule on.
 */
export async function fireDueDateSchedules(
  deps: JobDeps,
  pageSize = DATE_PAGE_SIZE,
  maxPages = DATE_MAX_PAGES_PER_TICK,
): Promise<FiringCounts> {
  const flows = new Map(dateFlowsOf(deps.flows).map((f) => [f.id, f]));
  const counts: FiringCounts = { due: 0, started: 0 };
  if (flows.size === 0) return counts;
  for (let p = 0; p < maxPages; p++) {
    const due = await deps.store.listDueDateSchedules([...flows.keys()], deps.clock.now(), pageSize);
    let moved = 0;
    for (const schedule of due) {
      const flow = flows.get(schedule.flowId);
      if (!flow) continue;
      counts.due++;
      const outcome = await fireOne(flow, schedule, deps);
      if (outcome.applied) moved++;
      counts.started += outcome.started;
    }
    // A short page, or one whose schedules all moved under us (another worker): done for now.
    if (due.length < pageSize || moved === 0) break;
  }
  return counts;
}

async function fireOne(
  flow: DateFlow,
  schedule: DateScheduleRow,
  deps: JobDeps,
): Promise<{ applied: boolean; started: number }> {
  const { store, clock } = deps;
  const occurrence = schedule.nextAt as number;
  const now = clock.now();
  const tz = deps.brand.defaultTimezone;
  const base = {
    key: schedule.key,
    expectedNextAt: occurrence,
    triggerKey: triggerKeyOf(flow.trigger, tz),
    now,
  };
  const customer = await store.getCustomer(schedule.customerId);
  const owned = schedule.ownershipId ? await store.getOwnership(schedule.ownershipId) : null;
  if (!customer || (schedule.ownershipId && !owned)) {
    const r = await store.fireDateSchedule({ ...base, nextAt: null, fired: false });
    return { applied: r.applied, started: 0 };
  }
  const { product = null, ...ownershipRow } = owned ?? {};
  const ownership = owned ? (ownershipRow as OwnershipRow) : null;
  const subject = { customer, ownership, product };
  const facts = dateFacts(flow.trigger, subject, occurrence);
  const decision = decideFiring(flow, occurrence, facts, now, tz);
  if (!decision.fire) {
    deps.logger.debug({ key: schedule.key, why: decision.why }, "date schedule moved on without a run");
    const r = await store.fireDateSchedule({ ...base, nextAt: decision.nextAt, fired: false });
    return { applied: r.applied, started: 0 };
  }
  const ownershipId = ownership?.id ?? null;
  const eventId = dateEventId(flow.id, customer.id, ownershipId, occurrence);
  const properties = facts.event.properties as { field: string; occurrence: string };
  const firing: DateFiring = {
    ...base,
    nextAt: decision.nextAt,
    fired: true,
    start: {
      event: {
        id: eventId,
        type: "date",
        occurredAt: occurrence,
        customerEmail: customer.email,
        body: {
          id: eventId,
          type: "date",
          occurredAt: properties.occurrence,
          customer: { email: customer.email },
          properties,
        },
      },
      customerId: customer.id,
      run: runStart(flow, { kind: "date", occurrence }, { customerId: customer.id, ownershipId }, now),
    },
  };
  const result = await store.fireDateSchedule(firing);
  // Committed first, advanced second: a run left unadvanced by a crash is the sweeper's.
  await takeFirstSteps(result.runs, deps, "inline");
  return { applied: result.applied, started: result.runs.length };
}

/**
 * Backfill and firing every `intervalMs` (RAPPORT_SWEEP_INTERVAL_MS), beside the sweeper.
 * A tick does not start while the last one runs; several processes may tick at once.
 */
export function startDateScheduler(deps: JobDeps, intervalMs: number): { stop(): Promise<void> } {
  const cursors: BackfillCursors = new Map();
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running || dateFlowsOf(deps.flows).length === 0) return;
    running = (async () => {
      await backfillDateSchedules(deps, cursors);
      const counts = await fireDueDateSchedules(deps);
      if (counts.started > 0) deps.logger.info(counts, "date flows started runs");
    })()
      .catch((err) => deps.logger.warn({ err }, "date scheduling failed; will try again"))
      .finally(() => {
        running = null;
      });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
