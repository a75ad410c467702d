/**
 * A dry run of one flow for one customer on a virtual clock: what they would receive and
 * when, without Redis, a store or mail. Pure: the interpreter does the deciding; this only
 * moves the clock from one wake-up (or scripted reply) to the next.
 *
 * Contract: simulateFlow(flow, script) → SimulatedEntry[] in time order. The run starts at
 * script.start; a scripted reply at time t reaches the run as a `reply` input (the
 * interpreter takes it only if the run is waiting for one then, as in production). The
 * simulation stops when the run ends or at script.until, and after maxAdvances advances
 * (a guard against a flow that would loop; flows cannot today, but a dry run must end).
 */
import { advance, initialRun } from "./interpreter.js";
import { earliestSendTime, type SendPolicy } from "./send-policy.js";
import { changeTags, type TagChange } from "./tags.js";
import type { AdvanceInput, Flow, RunState, TriggerFacts } from "./types.js";

export interface SimulationScript {
  start: number;
  until: number;
  facts?: TriggerFacts;
  /** When the customer replies (epoch ms), in any order. */
  replies?: number[];
  waitScale?: number;
  maxAdvances?: number;
  /** The brand's time zone, for customers without one. */
  defaultTimezone?: string;
}

function withTags(facts: TriggerFacts | undefined, change: TagChange): TriggerFacts | undefined {
  if (!facts) return facts;
  const tags = Array.isArray(facts.customer.tags) ? (facts.customer.tags as unknown[]) : [];
  return { ...facts, customer: { ...facts.customer, tags: changeTags(tags, change) } };
}

function withAttribute(
  facts: TriggerFacts | undefined,
  field: string,
  value: unknown,
): TriggerFacts | undefined {
  if (!facts) return facts;
  const name = field.replace(/^customer\.attributes\./, "");
  const attributes = { ...((facts.customer.attributes as Record<string, unknown>) ?? {}), [name]: value };
  return { ...facts, customer: { ...facts.customer, attributes } };
}

export interface SimulatedEntry {
  at: number;
  /** For a send: when it would really go out under the send policy (applySendPolicy). */
  deliveredAt?: number;
  /** For a send: exempt from the send window and the cap. */
  transactional?: boolean;
  kind: "send" | "notify" | "step" | "reply" | "end" | "stopped";
  stepId: string | null;
  /** The template for send/notify; the step's detail otherwise. */
  detail: string;
}

export function simulateFlow(flow: Flow, script: SimulationScript): SimulatedEntry[] {
  const out: SimulatedEntry[] = [];
  const replies = [...(script.replies ?? [])].sort((a, b) => a - b);
  const limit = script.maxAdvances ?? 10_000;
  let run: RunState = initialRun();
  let now = script.start;
  let input: AdvanceInput = { type: "start" };
  let replyCount = 0;
  // tag and set change the customer as the run goes on; later conditions see the change.
  let facts = script.facts;

  for (let i = 0; i < limit; i++) {
    const result = advance(flow, run, input, now, {
      waitScale: script.waitScale ?? 1,
      ...(facts ? { facts } : {}),
      ...(script.defaultTimezone ? { defaultTimezone: script.defaultTimezone } : {}),
    });
    for (const effect of result.effects) {
      switch (effect.type) {
        case "send":
          out.push({
            at: now,
            kind: "send",
            stepId: effect.stepId,
            detail: effect.template,
            ...(effect.transactional ? { transactional: true } : {}),
          });
          break;
        case "notify":
          out.push({ at: now, kind: "notify", stepId: effect.stepId, detail: effect.template });
          break;
        case "step":
          // send, notify, tag and set have entries of their own (above and below): printed once.
          if (!["send", "notify", "tag", "set"].includes(effect.stepType)) {
            out.push({
              at: effect.at,
              kind: "step",
              stepId: effect.stepId,
              detail: `${effect.stepType}${effect.detail ? `: ${effect.detail}` : ""}`,
            });
          }
          break;
        case "complete":
          out.push({ at: effect.at, kind: "end", stepId: null, detail: "the run ends" });
          break;
        case "tag":
          out.push({
            at: now,
            kind: "step",
            stepId: effect.stepId,
            detail: `tag: ${[...effect.add.map((t) => `+${t}`), ...effect.remove.map((t) => `-${t}`)].join(" ")}`,
          });
          facts = withTags(facts, effect);
          break;
        case "set":
          out.push({
            at: now,
            kind: "step",
            stepId: effect.stepId,
            detail: `set: ${effect.field} = ${String(effect.value)}`,
          });
          facts = withAttribute(facts, effect.field, effect.value);
          break;
        case "schedule":
          break;
        default: {
          const never: never = effect;
          throw new Error(`unknown effect ${JSON.stringify(never)}`);
        }
      }
    }
    const last = out.at(-1);
    if (input.type === "reply" && result.effects.length === 0 && last?.kind === "reply") {
      last.detail = "the customer replies (the run is not waiting for a reply then: no effect)";
    }
    run = result.run;
    if (run.status === "completed" || run.status === "failed") return out;

    // The next thing that happens: the run's wake-up or the customer's next reply.
    const nextReply = replies.find((t) => t >= now && t <= script.until);
    const wake = run.wakeAt;
    if (nextReply !== undefined && (wake === null || nextReply < wake)) {
      replies.splice(replies.indexOf(nextReply), 1);
      now = nextReply;
      replyCount += 1;
      out.push({ at: now, kind: "reply", stepId: null, detail: "the customer replies" });
      input = { type: "reply", interactionId: `simulated-reply-${replyCount}`, at: now };
      continue;
    }
    if (wake === null || wake > script.until) {
      out.push({
        at: Math.min(wake ?? script.until, script.until),
        kind: "stopped",
        stepId: null,
        detail:
          wake === null
            ? "the run waits for nothing more"
            : `still waiting at the end of the simulation (next wake-up ${new Date(wake).toISOString()})`,
      });
      return out;
    }
    now = Math.max(now, wake);
    input = { type: "wake" };
  }
  out.push({ at: now, kind: "stopped", stepId: null, detail: `stopped after ${limit} advances` });
  return out;
}

/**
 * When each customer email of a simulation would really go out: relationship messages
 * keep to the send window and the cap (counting the ones before them as delivered), as
 * the delivery job does; transactional ones go when due.
 */
export function applySendPolicy(
  entries: SimulatedEntry[],
  policy: SendPolicy,
  timezone: string,
): SimulatedEntry[] {
  const sentAt: number[] = [];
  return entries.map((e) => {
    if (e.kind !== "send") return e;
    if (e.transactional) return { ...e, deliveredAt: e.at };
    const deliveredAt = earliestSendTime(policy, { now: e.at, timezone, sentAt });
    sentAt.push(deliveredAt);
    return { ...e, deliveredAt };
  });
}
