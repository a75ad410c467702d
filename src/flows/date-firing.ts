/**
 * When a date-triggered flow (birthday, anniversary) starts a run: the decisions the
 * date scheduler (src/jobs/date-schedules.ts) takes on the store's rows and the
 * simulation (simulate.ts) takes on its virtual clock, so the two cannot disagree. Pure.
 */
import { dateTriggerMatches } from "./conditions.js";
import { nextOccurrence, timezoneFor } from "./dates.js";
import type { DateTrigger, Flow, TriggerFacts } from "./types.js";

export type DateFlow = Flow & { trigger: DateTrigger };

/** An occurrence found later than this (rapport was down) is skipped, not sent late. */
export const DATE_MAX_LATE_MS = 24 * 3600_000;

/**
 * The next occurrence a schedule should hold now. An occurrence already due and not yet
 * fired stays due (the firing has not come round yet); a schedule never goes back to or
 * before the occurrence it fired last. Null: nothing to schedule.
 */
export function plannedNextAt(
  trigger: DateTrigger,
  facts: TriggerFacts,
  existing: { nextAt: number | null; lastOccurrence: number | null } | null,
  now: number,
  defaultTimezone: string,
): number | null {
  if (trigger.date === "ownership.started" && (!facts.ownership || facts.ownership.status === "disposed"))
    return null;
  let after = now;
  if (existing?.nextAt != null && existing.nextAt <= now) after = existing.nextAt - 1;
  if (existing?.lastOccurrence != null) after = Math.max(after, existing.lastOccurrence);
  return nextOccurrence(trigger, facts, after, timezoneFor(facts, defaultTimezone));
}

export type FiringDecision =
  /** Start the run for this occurrence; the schedule moves to nextAt. */
  | { fire: true; nextAt: number | null }
  /** Do not start anything; the schedule moves to nextAt (why: for the log). */
  | { fire: false; nextAt: number | null; why: string };

/**
 * What to do with a due schedule (its nextAt is the occurrence), given the facts as they
 * are now. Pure.
 */
export function decideFiring(
  flow: DateFlow,
  occurrence: number,
  facts: TriggerFacts,
  now: number,
  defaultTimezone: string,
  maxLateMs = DATE_MAX_LATE_MS,
): FiringDecision {
  const trigger = flow.trigger;
  if (trigger.date === "ownership.started" && (!facts.ownership || facts.ownership.status === "disposed"))
    return { fire: false, nextAt: null, why: "ownership disposed" };
  const tz = timezoneFor(facts, defaultTimezone);
  const later = nextOccurrence(trigger, facts, Math.max(occurrence, now), tz);
  // The data changed since it was scheduled (the birthday, the zone, the flow's `at`).
  if (nextOccurrence(trigger, facts, occurrence - 1, tz) !== occurrence)
    return { fire: false, nextAt: nextOccurrence(trigger, facts, now, tz), why: "no longer an occurrence" };
  if (now - occurrence > maxLateMs) return { fire: false, nextAt: later, why: "too late" };
  if (!dateTriggerMatches(flow, facts, now))
    return { fire: false, nextAt: later, why: "where does not hold" };
  return { fire: true, nextAt: later };
}
