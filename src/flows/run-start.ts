/**
 * The one rule for starting runs, whatever starts them: a customer's event, a date (a
 * birthday, an anniversary) or a broadcast. The jobs (process-event, date-schedules,
 * process-broadcast) and the simulation (simulate.ts) all take their runs from here, so a
 * dry run starts exactly the runs a real one does. Pure.
 *
 * Contract:
 *   - entryKeyOf(flow, cause, ids): the run's entry key. The store keeps entry keys unique,
 *     so the entry rule holds however often the cause is processed:
 *       once: one per customer; once_per_product: one per customer and ownership;
 *       every_time: one per event (an event cause), per occurrence (a date: dateEntryKey),
 *       per broadcast and ownership (a broadcast);
 *       at_most_once_in: one per event or occurrence, the window checked on start.
 *     `once` and `once_per_product` keep their meaning across causes: an owner never gets
 *     a once-flow twice, whether from an event, a date or a broadcast.
 *   - runStart(flow, cause, ids, now): the run to create (NewRun's fields): the entry key,
 *     an initial state ("broadcast" origin for broadcasts: their messages are news) and,
 *     for at_most_once_in, notIfStartedAfter = now - window.
 *   - eventRunStarts(flows, facts, now, ids): the runs an event starts: every flow whose
 *     event trigger matches (flowMatches at `now`).
 *   - entryAdmits(start, earlier): whether the store would create `start` beside the
 *     customer's runs `earlier` (its entry key not taken; for a window, no run of the
 *     flow started after notIfStartedAfter). The store does the same in SQL; the
 *     simulation, which has no store, uses this.
 */
import { flowMatches } from "./conditions.js";
import { initialRun } from "./interpreter.js";
import { dateEntryKey, entryWindowStart } from "./rules.js";
import type { Flow, RunState, TriggerFacts } from "./types.js";

export type RunCause =
  | { kind: "event"; eventId: string }
  | { kind: "date"; occurrence: number }
  | { kind: "broadcast"; broadcastId: string; eventId: string };

export interface RunIds {
  customerId: string;
  ownershipId: string | null;
}

export interface RunStart {
  flowId: string;
  flowVersion: string;
  entryKey: string;
  ownershipId: string | null;
  state: RunState;
  /** entry: { at_most_once_in }: not started if the customer has a run of the flow started after this. */
  notIfStartedAfter?: number;
}

/** The part of the key that makes a run one per cause (for every_time and windows). */
function perCause(flow: Flow, cause: RunCause, ids: RunIds): string {
  switch (cause.kind) {
    case "event":
      return `${flow.id}|event|${cause.eventId}`;
    case "date":
      return dateEntryKey(flow.id, ids, cause.occurrence);
    case "broadcast":
      return `${flow.id}|broadcast|${cause.broadcastId}|${ids.ownershipId ?? "none"}`;
    default: {
      const never: never = cause;
      throw new Error(`unknown run cause ${JSON.stringify(never)}`);
    }
  }
}

export function entryKeyOf(flow: Flow, cause: RunCause, ids: RunIds): string {
  if (typeof flow.entry === "object") {
    // One run per cause at most; the store checks the window when it starts the run.
    if (cause.kind === "event" || cause.kind === "broadcast")
      return `${flow.id}|window|${ids.customerId}|${cause.eventId}`;
    return perCause(flow, cause, ids);
  }
  switch (flow.entry) {
    case "once":
      return `${flow.id}|customer|${ids.customerId}`;
    case "once_per_product":
      return `${flow.id}|ownership|${ids.customerId}|${ids.ownershipId ?? "none"}`;
    case "every_time":
      return perCause(flow, cause, ids);
    default: {
      const never: never = flow.entry;
      throw new Error(`unknown entry rule ${String(never)}`);
    }
  }
}

export function runStart(flow: Flow, cause: RunCause, ids: RunIds, now: number): RunStart {
  const windowStart = entryWindowStart(flow.entry, now);
  return {
    flowId: flow.id,
    flowVersion: flow.version,
    entryKey: entryKeyOf(flow, cause, ids),
    ownershipId: ids.ownershipId,
    state: initialRun(cause.kind === "broadcast" ? "broadcast" : undefined),
    ...(windowStart === null ? {} : { notIfStartedAfter: windowStart }),
  };
}

export function eventRunStarts(
  flows: Iterable<Flow>,
  facts: TriggerFacts,
  now: number,
  cause: Extract<RunCause, { kind: "event" }>,
  ids: RunIds,
): RunStart[] {
  return [...flows]
    .filter((flow) => flowMatches(flow, facts, now))
    .map((flow) => runStart(flow, cause, ids, now));
}

export function entryAdmits(
  start: Pick<RunStart, "flowId" | "entryKey" | "notIfStartedAfter">,
  earlier: ReadonlyArray<{ flowId: string; entryKey: string; startedAt: number }>,
): boolean {
  if (earlier.some((r) => r.entryKey === start.entryKey)) return false;
  const after = start.notIfStartedAfter;
  return after === undefined || !earlier.some((r) => r.flowId === start.flowId && r.startedAt > after);
}
