/**
 * Decides whether an event starts a flow: its type must be the trigger's event and every
 * `where` condition must hold (AND).
 *
 * Contract: matchesWhere(where, facts) looks each dotted field up in
 * { customer, product, event } and tests it:
 *   - a plain value: equal (a number and its written-out text count as equal, so
 *     `sku: 2780` matches "2780"; event properties often arrive as text);
 *   - { in: [...] }: equal to any; { not: v }: not equal; { exists: b }: has a value or not.
 *   - { gt, gte, lt, lte }: a number (or a text holding one) compared; all given must hold;
 *   - { before, after }: a date (epoch ms, "YYYY-MM-DD" or ISO text) earlier than / later
 *     than a bound ("30 days ago", "in 2 weeks", "now", "2026-01-31"); relative bounds
 *     count from `now`, a required argument everywhere (no clock in src/flows);
 *   - { contains: v }: a list holding v (tags).
 * A missing field (absent, undefined or null) is never equal to anything: equality, `in`,
 * comparisons and `contains` fail, `not` holds, `exists: false` holds. No `where` (or an
 * empty one) matches everything. Fields are looked up in { customer, product, event,
 * ownership }. Pure: no clock, no I/O.
 *
 * flowMatches(flow, facts, now) decides whether an event starts a flow: event triggers
 * only (a date trigger never matches an event; dateTriggerMatches decides those when the
 * scheduler fires them); the flow's `relationship`, when set, must equal
 * product.relationship (else customer.attributes.relationship).
 *
 * Branch conditions (Condition) use the same field tests, plus `replied` (a fact about
 * the run) and all / any / not: evaluateCondition(condition, facts) decides one,
 * describeCondition(condition) words it for a run's history ("product.category in
 * [turntable, amplifier]"). An empty `all` holds, an empty `any` does not (the parser
 * never produces either).
 */

import { dateValue, resolveDateBound } from "./dates.js";
import { allSteps } from "./steps.js";
import type {
  Condition,
  ConditionFacts,
  DateTrigger,
  EventTrigger,
  FieldCondition,
  Flow,
  Scalar,
  Trigger,
  TriggerFacts,
  Where,
} from "./types.js";

/** The value at a dotted path, or undefined when any step along it is missing. */
function lookup(facts: TriggerFacts, path: string): unknown {
  let value: unknown = {
    customer: facts.customer,
    product: facts.product,
    event: facts.event,
    ownership: facts.ownership,
    reply: facts.reply,
  };
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

function numberOf(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function boundAt(text: string, now: number): number | null {
  return resolveDateBound(text, now);
}

function holds(condition: FieldCondition, actual: unknown, now: number): boolean {
  const missing = actual === undefined || actual === null;
  if (typeof condition !== "object") return !missing && sameValue(actual, condition);
  if ("in" in condition) return !missing && condition.in.some((v) => sameValue(actual, v));
  if ("not" in condition) return missing || !sameValue(actual, condition.not);
  if ("exists" in condition) return condition.exists !== missing;
  if ("contains" in condition) {
    return Array.isArray(actual) && actual.some((v) => sameValue(v, condition.contains));
  }
  if ("matches" in condition)
    return typeof actual === "string" && new RegExp(condition.matches, "i").test(actual.trim());
  if ("before" in condition || "after" in condition) {
    const at = dateValue(actual);
    if (at === null) return false;
    const before = condition.before === undefined ? null : boundAt(condition.before, now);
    const after = condition.after === undefined ? null : boundAt(condition.after, now);
    return (before === null || at < before) && (after === null || at > after);
  }
  const n = numberOf(actual);
  if (n === null) return false;
  const c = condition as { gt?: number; gte?: number; lt?: number; lte?: number };
  return (
    (c.gt === undefined || n > c.gt) &&
    (c.gte === undefined || n >= c.gte) &&
    (c.lt === undefined || n < c.lt) &&
    (c.lte === undefined || n <= c.lte)
  );
}

export function matchesWhere(where: Where | undefined, facts: TriggerFacts, now: number): boolean {
  if (!where) return true;
  return Object.entries(where).every(([field, condition]) => holds(condition, lookup(facts, field), now));
}

export function isDateTrigger(trigger: Trigger): trigger is DateTrigger {
  return "date" in trigger;
}

export function isEventTrigger(trigger: Trigger): trigger is EventTrigger {
  return "event" in trigger;
}

/** The relationship the facts describe: product.relationship, else customer.attributes.relationship. */
export function relationshipOf(facts: TriggerFacts): unknown {
  return lookup(facts, "product.relationship") ?? lookup(facts, "customer.attributes.relationship");
}

function relationshipFits(flow: Flow, facts: TriggerFacts): boolean {
  return flow.relationship === undefined || relationshipOf(facts) === flow.relationship;
}

/** Whether an event starts `flow` at `now` (relative dates in its `where` count from it). */
export function flowMatches(flow: Flow, facts: TriggerFacts, now: number): boolean {
  const trigger = flow.trigger;
  if (!isEventTrigger(trigger) || trigger.event !== facts.event.type) return false;
  return relationshipFits(flow, facts) && matchesWhere(trigger.where, facts, now);
}

/** Whether a date trigger that came due at `now` starts `flow` for these facts (its where, its relationship). */
export function dateTriggerMatches(flow: Flow, facts: TriggerFacts, now: number): boolean {
  const trigger = flow.trigger;
  if (!isDateTrigger(trigger)) return false;
  return relationshipFits(flow, facts) && matchesWhere(trigger.where, facts, now);
}

function ownsOne(condition: Extract<Condition, { type: "owns" }>, facts: TriggerFacts): boolean {
  return (facts.ownerships ?? []).some(
    (o) =>
      o.status !== "disposed" &&
      (condition.sku === undefined || sameValue(o.sku, condition.sku)) &&
      (condition.category === undefined || sameValue(o.category, condition.category)),
  );
}

export function evaluateCondition(condition: Condition, facts: ConditionFacts, now: number): boolean {
  switch (condition.type) {
    case "field":
      return holds(condition.is, lookup(facts, condition.field), now);
    case "replied":
      return facts.run.replied === condition.value;
    case "owns":
      return ownsOne(condition, facts);
    case "all":
      return condition.conditions.every((c) => evaluateCondition(c, facts, now));
    case "any":
      return condition.conditions.some((c) => evaluateCondition(c, facts, now));
    case "not":
      return !evaluateCondition(condition.condition, facts, now);
    default: {
      const unknown: never = condition;
      throw new Error(`unknown condition ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * True when advancing `flow` needs the run's facts: a branch, exit_when or goal tests a
 * field (or ownerships), or a step needs the customer's time zone or dates (wait_until).
 */
export function flowHasConditions(flow: Flow): boolean {
  if (flow.exitWhen !== undefined && testsFields(flow.exitWhen)) return true;
  if (flow.goal !== undefined && testsFields(flow.goal)) return true;
  return allSteps(flow.steps).some(
    (step) =>
      step.type === "wait_until" ||
      (step.type === "branch" && step.arms.some((arm) => arm.when !== null && testsFields(arm.when))),
  );
}

/** True when a reply's words matter to the flow: a condition may test them, or a wait_for_reply keeps them (keep_as). */
export function flowReadsReplies(flow: Flow): boolean {
  return (
    flowHasConditions(flow) || allSteps(flow.steps).some((s) => s.type === "wait_for_reply" && !!s.keepAs)
  );
}

/**
 * True when advancing `flow` reads the customer's other ownerships (an `owns` test in a
 * branch, exit_when or goal): facts known without them (a run just started) are not enough.
 */
export function flowTestsOwnerships(flow: Flow): boolean {
  const owns = (c: Condition | undefined): boolean => {
    if (c === undefined) return false;
    switch (c.type) {
      case "owns":
        return true;
      case "field":
      case "replied":
        return false;
      case "all":
      case "any":
        return c.conditions.some(owns);
      case "not":
        return owns(c.condition);
      default: {
        const unknown: never = c;
        return unknown;
      }
    }
  };
  return (
    owns(flow.exitWhen) ||
    owns(flow.goal) ||
    allSteps(flow.steps).some(
      (step) => step.type === "branch" && step.arms.some((arm) => arm.when !== null && owns(arm.when)),
    )
  );
}

/** True when deciding `condition` needs the trigger facts (it tests a field somewhere). */
export function testsFields(condition: Condition): boolean {
  switch (condition.type) {
    case "field":
    case "owns":
      return true;
    case "replied":
      return false;
    case "all":
    case "any":
      return condition.conditions.some(testsFields);
    case "not":
      return testsFields(condition.condition);
    default: {
      const never: never = condition;
      throw new Error(`unknown condition ${JSON.stringify(never)}`);
    }
  }
}

function describeFieldCondition(field: string, is: FieldCondition): string {
  if (typeof is !== "object") return `${field} = ${String(is)}`;
  if ("in" in is) return `${field} in [${is.in.map((v) => String(v)).join(", ")}]`;
  if ("not" in is) return `${field} != ${String(is.not)}`;
  if ("exists" in is) return is.exists ? `${field} exists` : `${field} is missing`;
  if ("contains" in is) return `${field} contains ${String(is.contains)}`;
  if ("matches" in is) return `${field} matches /${is.matches}/i`;
  const parts: string[] = [];
  const add = (word: string, value: unknown) => {
    if (value !== undefined) parts.push(`${field} ${word} ${String(value)}`);
  };
  if ("before" in is || "after" in is) {
    const d = is as { before?: string; after?: string };
    add("before", d.before);
    add("after", d.after);
  } else {
    const c = is as { gt?: number; gte?: number; lt?: number; lte?: number };
    add(">", c.gt);
    add(">=", c.gte);
    add("<", c.lt);
    add("<=", c.lte);
  }
  return parts.join(" and ");
}

function describeOwns(c: Extract<Condition, { type: "owns" }>): string {
  const keys = [
    ...(c.sku !== undefined ? [`sku ${String(c.sku)}`] : []),
    ...(c.category !== undefined ? [`category ${String(c.category)}`] : []),
  ];
  return `owns ${keys.join(", ")}`;
}

export function describeCondition(condition: Condition): string {
  switch (condition.type) {
    case "field":
      return describeFieldCondition(condition.field, condition.is);
    case "replied":
      return `replied = ${String(condition.value)}`;
    case "owns":
      return describeOwns(condition);
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
    default: {
      const never: never = condition;
      throw new Error(`unknown condition ${JSON.stringify(never)}`);
    }
  }
}
