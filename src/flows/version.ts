/**
 * A flow's version: a short hash of what the flow does, so a run can record which
 * definition it started under, and re-formatting or re-commenting a file (or writing
 * "2 weeks" for "14 days") does not look like a change.
 *
 * Contract: flowVersion(parts) is the first 16 hex digits of the SHA-256 of the
 * canonical JSON (object keys sorted at every level) of the flow's meaningful parts:
 * id, name, trigger, entry, and steps (nested ones included) with waits and timeouts in
 * milliseconds, and when present relationship, transactional, topic (the flow's and a
 * send step's: it decides who may get the message), exit_when, goal. Description, file, positions and a duration's original wording are left
 * out. Flows made only of send and wait steps hash as they did before nesting existed.
 * Deterministic; no I/O.
 */
import { createHash } from "node:crypto";
import type { Flow, Step } from "./types.js";

/** JSON with object keys sorted, so equal data always gives equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function flowVersion(
  flow: Pick<
    Flow,
    | "id"
    | "name"
    | "trigger"
    | "entry"
    | "steps"
    | "relationship"
    | "transactional"
    | "topic"
    | "exitWhen"
    | "goal"
  >,
): string {
  // Parts a flow may leave out are undefined then, and canonicalJson skips them: flows
  // without them hash as before they existed.
  const meaning = {
    id: flow.id,
    name: flow.name,
    trigger: flow.trigger,
    entry:
      typeof flow.entry === "string" ? flow.entry : { rule: flow.entry.rule, windowMs: flow.entry.windowMs },
    relationship: flow.relationship,
    transactional: flow.transactional,
    topic: flow.topic,
    exitWhen: flow.exitWhen,
    goal: flow.goal,
    steps: flow.steps.map(stepMeaning),
  };
  return createHash("sha256").update(canonicalJson(meaning)).digest("hex").slice(0, 16);
}

function stepMeaning(s: Step): unknown {
  switch (s.type) {
    case "wait_until": {
      const { offset: _wording, ...until } = s.until;
      return { id: s.id, type: s.type, until };
    }
    case "wait_for":
      return {
        id: s.id,
        type: s.type,
        event: s.event,
        timeoutMs: s.timeoutMs,
        onEvent: s.onEvent.map(stepMeaning),
        onTimeout: s.onTimeout.map(stepMeaning),
      };
    case "tag":
      return { id: s.id, type: s.type, add: s.add, remove: s.remove };
    case "set":
      return { id: s.id, type: s.type, values: s.values };
    default:
      return oldStepMeaning(s);
  }
}

/** The step kinds that existed before nesting, hashed as they were then. */
type OldStep = Exclude<Step, { type: "wait_until" | "wait_for" | "tag" | "set" }>;

function oldStepMeaning(s: OldStep): unknown {
  switch (s.type) {
    case "send":
      return {
        id: s.id,
        type: s.type,
        template: s.template,
        transactional: s.transactional,
        topic: s.topic,
        // Only when set, so the meaning (and version) of every email step stays what it was.
        ...(s.channel ? { channel: s.channel } : {}),
      };
    case "notify":
      return { id: s.id, type: s.type, template: s.template };
    case "wait":
      return { id: s.id, type: s.type, durationMs: s.durationMs };
    case "wait_for_reply":
      return {
        id: s.id,
        type: s.type,
        timeoutMs: s.timeoutMs,
        onReply: s.onReply.map(stepMeaning),
        onTimeout: s.onTimeout.map(stepMeaning),
      };
    case "branch":
      return {
        id: s.id,
        type: s.type,
        arms: s.arms.map((a) => ({ when: a.when, steps: a.steps.map(stepMeaning) })),
      };
    case "exit":
      return { id: s.id, type: s.type, reason: s.reason };
    default: {
      const never: never = s;
      throw new Error(`unknown step ${JSON.stringify(never)}`);
    }
  }
}
