/**
 * A Flow written back as the flow file it means: the inverse of parse.ts, for the record
 * of flow versions (record.ts), which keeps versions in the file's documented language
 * rather than in the interpreter's internal shape.
 *
 * Contract: flowDocument(flow) is plain JSON in the flow file format (the input
 * FlowFileSchema validates) such that parsing it back, as the same file, gives a flow
 * with the same meaning and version. Every setting is written out (entry, a date
 * trigger's every and at, wait_until's at); a step's id only when it differs from the
 * automatic one (automatic nested ids contain ".", which an author may not write).
 * Throws for what the language cannot say (a tag step that both adds and removes) and for
 * data that is not a Flow (an unknown step type), naming the step. Pure.
 */
import { defaultStepId, listIdPrefix } from "./steps.js";
import { WEEKDAYS } from "./time.js";
import type { Condition, Flow, Step, WaitUntil } from "./types.js";

/** A flow file's content as plain JSON (what YAML parses to). */
export type FlowDocument = Record<string, unknown>;

export function flowDocument(flow: Flow): FlowDocument {
  const trigger =
    "date" in flow.trigger
      ? { date: flow.trigger.date, every: flow.trigger.every, at: flow.trigger.at }
      : { event: flow.trigger.event };
  return {
    name: flow.name,
    ...(flow.description !== undefined ? { description: flow.description } : {}),
    trigger: { ...trigger, ...(flow.trigger.where ? { where: flow.trigger.where } : {}) },
    entry: typeof flow.entry === "string" ? flow.entry : { at_most_once_in: flow.entry.window },
    ...(flow.relationship !== undefined ? { relationship: flow.relationship } : {}),
    ...(flow.runsInFlight !== undefined ? { runs_in_flight: flow.runsInFlight } : {}),
    ...(flow.transactional !== undefined ? { transactional: flow.transactional } : {}),
    ...(flow.topic !== undefined ? { topic: flow.topic } : {}),
    ...(flow.exitWhen !== undefined ? { exit_when: conditionDocument(flow.exitWhen) } : {}),
    ...(flow.goal !== undefined ? { goal: conditionDocument(flow.goal) } : {}),
    steps: stepsDocument(flow.steps, null),
  };
}

/** A Condition as a condition map; parse.ts turns each form back into the same Condition. */
export function conditionDocument(condition: Condition): Record<string, unknown> {
  switch (condition.type) {
    case "field":
      return { [condition.field]: condition.is };
    case "replied":
      return { replied: condition.value };
    case "owns":
      return {
        owns: {
          ...(condition.sku !== undefined ? { sku: condition.sku } : {}),
          ...(condition.category !== undefined ? { category: condition.category } : {}),
        },
      };
    case "all":
      return { all: condition.conditions.map(conditionDocument) };
    case "any":
      return { any: condition.conditions.map(conditionDocument) };
    case "not":
      return { not: conditionDocument(condition.condition) };
    default: {
      const never: never = condition;
      throw new Error(`unknown condition ${JSON.stringify(never)}`);
    }
  }
}

function stepsDocument(steps: readonly Step[], prefix: string | null): unknown[] {
  return steps.map((step, index) => {
    const [kind, ...settings] = Object.entries(stepDocument(step, (name) => listIdPrefix(step.id, name)));
    const own = step.id === defaultStepId(step.type, index, prefix) ? [] : [["id", step.id]];
    // The id right after the step's kind, as people write it.
    return Object.fromEntries([...(kind ? [kind] : []), ...own, ...settings]);
  });
}

/** One step as the file writes it; `prefix` names a sub-list's automatic id prefix. */
function stepDocument(step: Step, prefix: (list: string) => string): Record<string, unknown> {
  const list = (name: string, steps: readonly Step[]) =>
    steps.length > 0 ? { [name]: stepsDocument(steps, prefix(name)) } : {};
  switch (step.type) {
    case "send":
      return {
        send: step.channel !== undefined ? { template: step.template, channel: step.channel } : step.template,
        ...(step.transactional !== undefined ? { transactional: step.transactional } : {}),
        ...(step.topic !== undefined ? { topic: step.topic } : {}),
      };
    case "notify":
      return { notify: step.template };
    case "wait":
      return { wait: step.duration };
    case "wait_for_reply":
      return {
        wait_for_reply: step.timeout,
        ...list("on_reply", step.onReply),
        ...list("on_timeout", step.onTimeout),
      };
    case "wait_for":
      return {
        wait_for: { event: step.event, timeout: step.timeout },
        ...list("on_event", step.onEvent),
        ...list("on_timeout", step.onTimeout),
      };
    case "wait_until":
      return { wait_until: untilDocument(step.until) };
    case "branch":
      return {
        branch: step.arms.map((arm, k) =>
          arm.when === null
            ? { else: stepsDocument(arm.steps, prefix("else")) }
            : {
                if: conditionDocument(arm.when),
                // biome-ignore lint/suspicious/noThenProperty: the flow file's key is "then"; this object is never awaited.
                then: stepsDocument(arm.steps, prefix(`then-${k + 1}`)),
              },
        ),
      };
    case "tag":
      if (step.add.length > 0 && step.remove.length === 0) return { tag: step.add };
      if (step.remove.length > 0 && step.add.length === 0) return { untag: step.remove };
      throw new Error(
        `step "${step.id}" adds [${step.add.join(", ")}] and removes [${step.remove.join(", ")}]; a flow file says one of them per step`,
      );
    case "set":
      return { set: Object.fromEntries(step.values.map((v) => [v.field, v.value])) };
    case "exit":
      return { exit: step.reason };
    default: {
      const never: never = step;
      throw new Error(`unknown step ${JSON.stringify(never)}`);
    }
  }
}

function untilDocument(until: WaitUntil): Record<string, unknown> {
  const offset =
    until.offset ??
    (until.offsetMs !== undefined ? `${Math.round(until.offsetMs / 60_000)} minutes` : undefined);
  return {
    ...(until.date !== undefined ? { date: until.date } : {}),
    ...(offset !== undefined ? { offset } : {}),
    at: until.at,
    ...(until.days !== undefined ? { days: until.days.map((d) => WEEKDAYS[d]) } : {}),
  };
}
