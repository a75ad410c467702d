/**
 * Can a run of this flow have no product? Templates see the product of the run's
 * ownership, so a run has one only when its trigger brings an ownership.
 *
 * Contract: productPresence(flow) → { certain: true } or { certain: false, why } (why:
 * a sentence on how a run comes to have no product). Pure. Certain only when:
 *   - the trigger is the anniversary date (`date: ownership.started`): one run per ownership;
 *   - the trigger's `where` needs an `ownership.*` field to have a value;
 *   - the trigger is a registration or purchase: the event API refuses one without a product
 *     (src/events/event-body.ts), and each makes an ownership of the product it names.
 * Anything else can run without: other events may leave out their product, a `reply` or
 * `owner_message` known only by its sender's address has none, a birthday is nobody's
 * product, and an event of another type that names a product still has no ownership
 * when the customer does not own it. Branch conditions are not followed (a run may
 * reach a step on either side).
 */
import { OWNERSHIP_END_TYPE, OWNERSHIP_START_TYPES } from "../events/event-body.js";
import { isDateTrigger } from "./conditions.js";
import type { FieldCondition, Flow, Where } from "./types.js";

export type ProductPresence = { certain: true } | { certain: false; why: string };

/** True when the condition fails for a missing value, so a match proves the field is there. */
function needsValue(condition: FieldCondition): boolean {
  if (typeof condition !== "object" || condition === null) return true;
  if ("not" in condition) return false;
  if ("exists" in condition) return condition.exists === true;
  return true; // in, comparisons, dates, contains: a missing value never matches
}

function requires(where: Where | undefined, root: "product" | "ownership"): boolean {
  return Object.entries(where ?? {}).some(([field, c]) => field.startsWith(`${root}.`) && needsValue(c));
}

const SENDER_ONLY = new Set(["reply", "owner_message"]);

export function productPresence(flow: Flow): ProductPresence {
  const trigger = flow.trigger;
  if (isDateTrigger(trigger)) {
    if (trigger.date === "ownership.started" || requires(trigger.where, "ownership"))
      return { certain: true };
    return { certain: false, why: `a ${trigger.date} date trigger runs for the customer, with no product` };
  }
  if (requires(trigger.where, "ownership")) return { certain: true };
  if (OWNERSHIP_START_TYPES.has(trigger.event)) return { certain: true };
  if (SENDER_ONLY.has(trigger.event)) {
    return {
      certain: false,
      why: `the "${trigger.event}" event has no product when the mail is known only by its sender's address`,
    };
  }
  if (trigger.event === OWNERSHIP_END_TYPE) {
    return {
      certain: false,
      why: `a "${trigger.event}" event names a product, but has none when the customer does not own it`,
    };
  }
  return {
    certain: false,
    why: `the "${trigger.event}" event need not name a product, and has none when it names one the customer does not own`,
  };
}
