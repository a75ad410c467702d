/**
 * Run rules the jobs layer enforces with the store's help: entry windows and the
 * once-per-occurrence rule of date triggers. Pure.
 *
 * Contract:
 *   - entryWindowStart(entry, now): for `entry: { at_most_once_in: "30 days" }`, the
 *     earliest start time of an earlier run of the flow (same customer) that keeps the
 *     customer out now: now - windowMs. null for the other rules (their entry keys do it).
 *   - entryAllowed(entry, lastStartedAt, now): whether a customer whose latest run of the
 *     flow started at lastStartedAt (null: never) may enter at `now`. For once /
 *     once_per_product / every_time it is always true (entry keys decide those).
 *     A run that started exactly windowMs ago no longer blocks.
 *   - dateEntryKey(flowId, ids, occurrence): the entry key of the run a date trigger
 *     starts for one occurrence (epoch ms from nextOccurrence): one run per customer (and
 *     ownership, for anniversaries) per occurrence, however often the scheduler fires.
 */
import type { EntryRule } from "./types.js";

export function entryWindowStart(entry: EntryRule, now: number): number | null {
  return typeof entry === "object" ? now - entry.windowMs : null;
}

export function entryAllowed(entry: EntryRule, lastStartedAt: number | null, now: number): boolean {
  const start = entryWindowStart(entry, now);
  if (start === null || lastStartedAt === null) return true;
  return lastStartedAt <= start;
}

export function dateEntryKey(
  flowId: string,
  ids: { customerId: string; ownershipId: string | null },
  occurrence: number,
): string {
  return `${flowId}|date|${ids.customerId}|${ids.ownershipId ?? "none"}|${occurrence}`;
}
