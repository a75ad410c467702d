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
 *
 * Branch conditions (Condition) use the same field tests, plus `replied` (a fact about
 * the run) and all / any / not: evaluateCondition(condition, facts) decides one,
 * describeCondition(condition) words it for a run's history ("product.category in
 * [turntable, amplifier]"). An empty `all` holds, an empty `any` does not (the parser
 * never produces either).
 */
import { allSteps } from "./steps.js";
import type { Condition, ConditionFacts, FieldCondition, Flow, TriggerFacts, Where } from "./types.js";

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

export function evaluateCondition(condition: Condition, facts: ConditionFacts): boolean {
  switch (condition.type) {
    case "field":
      return holds(condition.is, lookup(facts, condition.field));
    case "replied":
      return facts.run.replied === condition.value;
    case "all":
      return condition.conditions.every((c) => evaluateCondition(c, facts));
    case "any":
      return condition.conditions.some((c) => evaluateCondition(c, facts));
    case "not":
      return !evaluateCondition(condition.condition, facts);
    default: {
      const unknown: never = condition;
      throw new Error(`unknown condition ${JSON.stringify(unknown)}`);
    }
  }
}

/** True when some branch of `flow` tests a field, so advancing it needs the run's facts. */
export function flowHasConditions(flow: Flow): boolean {
  return allSteps(flow.steps).some(
    (step) => step.type === "branch" && step.arms.some((arm) => arm.when !== null && testsFields(arm.when)),
  );
}

/** True when deciding `condition` needs the trigger facts (it tests a field somewhere). */
export function testsFields(condition: Condition): boolean {
  switch (condition.type) {
    case "field":
      return true;
    case "replied":
      return false;
    case "all":
    case "any":
      return condition.conditions.some(testsFields);
    case "not":
      return testsFields(condition.condition);
  }
}

function describeFieldCondition(field: string, is: FieldCondition): string {
  if (typeof is !== "object") return `${field} = ${String(is)}`;
  if ("in" in is) return `${field} in [${is.in.map((v) => String(v)).join(", ")}]`;
  if ("not" in is) return `${field} != ${String(is.not)}`;
  return is.exists ? `${field} exists` : `${field} is missing`;
}

export function describeCondition(condition: Condition): string {
  switch (condition.type) {
    case "field":
      return describeFieldCondition(condition.field, condition.is);
    case "replied":
      return `replied = ${String(condition.value)}`;
    case "all":
      return condition.conditions
        .map((c) => (c.type === "any" ? `(${describeCondition(c)})` : describeCondition(c)))
        .join(" and ");
    case "any":
      return condition.conditions
        .map((c) => (c.type === "all" ? `(${describeCondition(c)})` : describeCondition(c)))
        .join(" or ");
    case "not":
      return `not (${describeCondition(condition.condition)})`;
  }
}
