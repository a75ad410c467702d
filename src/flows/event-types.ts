/**
 * Which event types mean something to this project: the built-in ones (registration and
 * purchase make an ownership, disposition ends one), every flow's trigger event, and
 * every `wait_for` step's event. An event of any other type is still stored (events
 * are data, and a flow added later may want them) but starts nothing; the HTTP API
 * says so in a warning, with the nearest known type when it looks like a typo.
 *
 * Contract: pure. knownEventTypes(flows) → sorted list; unknownTypeWarning(type, known)
 * → null for a known type, else one sentence naming the type, a did-you-mean, the list.
 */
import { OWNERSHIP_END_TYPE, OWNERSHIP_START_TYPES } from "../events/event-body.js";
import { allSteps } from "./steps.js";
import { closest } from "./suggest.js";
import type { Flow } from "./types.js";

export function knownEventTypes(flows: Iterable<Flow>): string[] {
  const known = new Set<string>([...OWNERSHIP_START_TYPES, OWNERSHIP_END_TYPE]);
  for (const flow of flows) {
    if ("event" in flow.trigger) known.add(flow.trigger.event);
    for (const step of allSteps(flow.steps)) if (step.type === "wait_for") known.add(step.event);
  }
  return [...known].sort();
}

export function unknownTypeWarning(type: string, known: readonly string[]): string | null {
  if (known.includes(type)) return null;
  const guess = closest(type, known);
  return [
    `event type "${type}" is not known: no flow starts on it or waits for it, and it is not built in`,
    guess ? `; did you mean "${guess}"?` : "",
    ` Known types: ${known.join(", ")}. The event was stored and does nothing else.`,
  ].join("");
}
