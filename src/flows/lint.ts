/**
 * Warnings about a set of flows: things that are allowed but almost always a mistake, which
 * `rapport validate` prints without failing (and start-up logs).
 *
 * Contract (pure; FlowErrors placed as exactly as the flow's positions allow):
 *   - tagWarnings(flows): a condition (trigger `where`, `exit_when`, `goal`, a branch's
 *     `if`) reads a tag that no flow's `tag:` step adds. Flows are the only thing that
 *     tags a customer, so such a condition never sees the tag, and a typo
 *     (`answerd-check-in`) passes silently. Says which tags flows do set, with a "did you mean".
 *   - eventTypeWarnings(flows, known): a trigger or `wait_for` names an event type that no
 *     known source sends but that is a near miss of one that is known or that another flow
 *     uses (`purchse`); and, once per config, an event rapport raises for people writing to
 *     us (`reply`, `owner_message`) that no flow starts on or waits for. A type nobody
 *     knows and nothing resembles (`review`) is a shop's own and passes.
 */
import type { KnownEventType } from "../events/known-types.js";
import { isEventTrigger } from "./conditions.js";
import type { FlowError } from "./errors.js";
import { pathText } from "./errors.js";
import { walkSteps } from "./steps.js";
import { closest, didYouMean } from "./suggest.js";
import type { Condition, FieldCondition, Flow, SourcePosition, Where } from "./types.js";

const TAGS_FIELD = "customer.tags";
const START: SourcePosition = { line: 1, col: 1 };

/** The tags a condition on customer.tags names (`tagged: x` parses to `contains: x`). */
function tagsIn(is: FieldCondition): string[] {
  if (typeof is !== "object") return [String(is)];
  if ("contains" in is) return [String(is.contains)];
  if ("in" in is) return is.in.map(String);
  if ("not" in is) return [String(is.not)];
  return [];
}

function tagsOfWhere(where: Where | undefined): string[] {
  const is = where?.[TAGS_FIELD];
  return is === undefined ? [] : tagsIn(is);
}

function tagsOfCondition(condition: Condition | null | undefined): string[] {
  if (!condition) return [];
  switch (condition.type) {
    case "field":
      return condition.field === TAGS_FIELD ? tagsIn(condition.is) : [];
    case "all":
    case "any":
      return condition.conditions.flatMap(tagsOfCondition);
    case "not":
      return tagsOfCondition(condition.condition);
    case "replied":
    case "owns":
      return [];
    default: {
      const never: never = condition;
      throw new Error(`unknown condition ${JSON.stringify(never)}`);
    }
  }
}

/** Every tag some flow's tag step adds. */
function tagsSet(flows: readonly Flow[]): Set<string> {
  const set = new Set<string>();
  for (const flow of flows) {
    walkSteps(flow.steps, ({ step }) => {
      if (step.type === "tag") for (const t of step.add) set.add(t);
    });
  }
  return set;
}

interface TagRead {
  tag: string;
  path: string;
  at: SourcePosition;
}

function tagReads(flow: Flow): TagRead[] {
  const reads: TagRead[] = [];
  const add = (tags: string[], path: string, at: SourcePosition | undefined) => {
    for (const tag of new Set(tags)) reads.push({ tag, path, at: at ?? START });
  };
  add(tagsOfWhere(flow.trigger.where), "trigger.where", flow.positions?.where);
  add(tagsOfCondition(flow.exitWhen), "exit_when", flow.positions?.exitWhen);
  add(tagsOfCondition(flow.goal), "goal", flow.positions?.goal);
  walkSteps(flow.steps, ({ step, path }) => {
    if (step.type !== "branch") return;
    const placed = flow.positions?.steps.find((p) => p.id === step.id);
    step.arms.forEach((arm, k) => {
      add(
        tagsOfCondition(arm.when),
        pathText([...path, "branch", k, "if"]),
        placed?.arms?.[k] ?? placed?.value,
      );
    });
  });
  return reads;
}

export function tagWarnings(flows: readonly Flow[]): FlowError[] {
  const set = tagsSet(flows);
  const known = [...set].sort();
  const setText = known.length > 0 ? `tags flows set: ${known.join(", ")}` : "no flow has a tag step yet";
  const warnings: FlowError[] = [];
  for (const flow of flows) {
    for (const read of tagReads(flow)) {
      if (set.has(read.tag)) continue;
      warnings.push({
        file: flow.file,
        ...read.at,
        path: read.path,
        message:
          `the tag "${read.tag}" is never set: no flow has a tag step that adds it, so this condition ` +
          `never sees it (${setText})${didYouMean(read.tag, known)}`,
      });
    }
  }
  return warnings;
}

interface EventUse {
  flow: Flow;
  type: string;
  path: string;
  at: SourcePosition;
}

function eventUses(flow: Flow): EventUse[] {
  const uses: EventUse[] = [];
  if (isEventTrigger(flow.trigger)) {
    uses.push({
      flow,
      type: flow.trigger.event,
      path: "trigger.event",
      at: flow.positions?.trigger ?? START,
    });
  }
  walkSteps(flow.steps, ({ step, path }) => {
    if (step.type !== "wait_for") return;
    const placed = flow.positions?.steps.find((p) => p.id === step.id);
    uses.push({
      flow,
      type: step.event,
      path: pathText([...path, "wait_for", "event"]),
      at: placed?.value ?? START,
    });
  });
  return uses;
}

export function eventTypeWarnings(
  flows: readonly Flow[],
  known: readonly KnownEventType[],
  flowsDir: string,
): FlowError[] {
  const knownTypes = new Set(known.map((k) => k.type));
  const uses = flows.flatMap(eventUses);
  const heard = new Set(uses.map((u) => u.type));
  const warnings: FlowError[] = [];
  for (const use of uses) {
    if (knownTypes.has(use.type)) continue;
    // Near misses of a known type, or of a type another flow (or step) uses.
    const others = new Set([...knownTypes, ...uses.filter((u) => u !== use).map((u) => u.type)]);
    others.delete(use.type);
    const guess = closest(use.type, others);
    if (guess === null) continue;
    const from = known.find((k) => k.type === guess);
    const sender = from ? `sent by ${from.source}` : "which other flows use";
    warnings.push({
      file: use.flow.file,
      ...use.at,
      path: use.path,
      message:
        `nothing is known to send "${use.type}" events (rapport and the shop send ${[...knownTypes].join(", ")}); ` +
        `did you mean "${guess}", ${sender}? (If your own system sends "${use.type}", ignore this.)`,
    });
  }
  for (const k of known) {
    if (!k.fromPeople || heard.has(k.type)) continue;
    warnings.push({
      file: flowsDir,
      line: 0,
      col: 0,
      path: "",
      message:
        `no flow starts on or waits for "${k.type}" (raised by ${k.source}): such mail is kept on the ` +
        `customer's timeline, but unless a run waits for it (wait_for_reply), nobody is told. Add a flow with trigger: { event: ${k.type} } that notifies the team.`,
    });
  }
  return warnings;
}
