/**
 * A run's entry key encodes its flow's entry rule; the store keeps keys unique, so
 * "once" and "once per product" hold even when an event is processed twice.
 */
import type { Flow } from "../flows/types.js";

export function entryKeyFor(
  flow: Flow,
  ids: { customerId: string; ownershipId: string | null; eventId: string },
): string {
  if (typeof flow.entry === "object") {
    // at_most_once_in: one run per event at most; the store checks the window when it
    // starts the run (NewRun.notIfStartedAfter, from entryWindowStart).
    return `${flow.id}|window|${ids.customerId}|${ids.eventId}`;
  }
  switch (flow.entry) {
    case "once":
      return `${flow.id}|customer|${ids.customerId}`;
    case "once_per_product":
      return `${flow.id}|ownership|${ids.customerId}|${ids.ownershipId ?? "none"}`;
    case "every_time":
      return `${flow.id}|event|${ids.eventId}`;
    default: {
      const never: never = flow.entry;
      throw new Error(`unknown entry rule ${String(never)}`);
    }
  }
}
