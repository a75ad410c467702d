/**
 * Decides whether an event starts a flow: its type must be the trigger's event and every
 * `where` condition must hold (AND).
 *
 * Contract: matchesWhere(where, facts) looks each dotted field up in
 * { customer, product, event } and tests it:
 *   - a plain value: equal (a number and its written-out text count as equal, so
 *     `sku: 2780` matches "2780"; event properties often arrive as text);
 *   - { in: [...] }: equal to any; { not: v }: not equal; { exists: b }: has a value or not.
 * A missing field (absent, undefined or null) is never equal to anything: equality and
 * `in` fail, `not` holds, `exists: false` holds. No `where` (or an empty one) matches
 * everything. Pure: no clock, no I/O.
 */
import type { FieldCondition, Flow, TriggerFacts, Where } from "./types.js";

type Scalar = string | number | boolean;

/** The value at a dotted path, or undefined when any step along it is missing. */
function lookup(facts: TriggerFacts, path: string): unknown {
  let value: unknown = { customer: facts.customer, product: facts.product, event: facts.event };
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    // Own properties only: a field named "constructor" must not find Object.prototype's.
    value = Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value;
}

function sameValue(actual: unknown, expected: Scalar): boolean {
  if (actual === expected) return true;
  if (typeof actual === "number" && typeof expected === "string") return String(actual) === expected;
  if (typeof actual === "string" && typeof expected === "number") return actual === String(expected);
  return false;
}

function holds(condition: FieldCondition, actual: unknown): boolean {
  const missing = actual === undefined || actual === null;
  if (typeof condition !== "object") return !missing && sameValue(actual, condition);
  if ("in" in condition) return !missing && condition.in.some((v) => sameValue(actual, v));
  if ("not" in condition) return missing || !sameValue(actual, condition.not);
  return condition.exists !== missing;
}

export function matchesWhere(where: Where | undefined, facts: TriggerFacts): boolean {
  if (!where) return true;
  return Object.entries(where).every(([field, condition]) => holds(condition, lookup(facts, field)));
}

export function flowMatches(flow: Flow, facts: TriggerFacts): boolean {
  return flow.trigger.event === facts.event.type && matchesWhere(flow.trigger.where, facts);
}
