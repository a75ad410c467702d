/**
 * A dry run of one flow for one customer on a virtual clock: what they would receive and
 * when, without Redis, a store or mail. Pure, and built from the pieces that decide real
 * runs, so the two cannot disagree:
 *   - runs start by run-start.ts (entry keys and windows, with entryAdmits standing in for
 *     the store's unique key and window check): an event-triggered flow on the customer's
 *     first event (at `start`) and on each scripted event of its type whose `where` holds;
 *     a date-triggered flow on each occurrence (date-firing.ts: plannedNextAt, then
 *     decideFiring at the occurrence, as the scheduler does), every year until `until`;
 *   - runs advance by the interpreter (advance), with facts built like the jobs build them:
 *     the customer as they are now (tags and attributes shared by all their runs, changed
 *     by tags.ts's rule), the product and ownership, the run's own event;
 *   - a scripted reply reaches every run waiting for one; a scripted event every run
 *     waiting for its type (wait_for), as the events job brings it;
 *   - each send is checked as delivery checks it: `holdBack` (the customer's choices, the
 *     caller's consent rule) and then the send policy (earliestSendTime) over the
 *     customer's earlier non-transactional deliveries.
 * Contract: simulate(world) → SimulatedEntry[] in time order. It stops at `until` and after
 * maxAdvances advances (a guard: a dry run must end).
 */

import { isDateTrigger } from "./conditions.js";
import { type DateFlow, decideFiring, plannedNextAt } from "./date-firing.js";
import { advance } from "./interpreter.js";
import { entryAdmits, eventRunStarts, type RunStart, runStart } from "./run-start.js";
import { earliestSendTime, type SendPolicy } from "./send-policy.js";
import { changeTags } from "./tags.js";
import type { AdvanceInput, Flow, MessageCategory, RunState, SendChannel, TriggerFacts } from "./types.js";

export interface ScriptedEvent {
  type: string;
  at: number;
  properties?: Record<string, unknown>;
}

export interface SimulationWorld {
  flow: Flow;
  start: number;
  until: number;
  /**
   * The customer (with tags, attributes and their choices' view under `preferences`), the
   * product and ownership; `event` is the first event (ignored for date triggers).
   */
  facts: TriggerFacts;
  /** When the customer replies (epoch ms), in any order; with `text`, what they write. */
  replies?: Array<number | { at: number; text: string }>;
  /** Later events of the customer (wait_for, and further starts of an event-triggered flow). */
  events?: ScriptedEvent[];
  waitScale: number;
  /** The customer's time zone as delivery and dates read it (timezoneFor). */
  timezone: string;
  /** The brand's time zone, for customers without one. */
  defaultTimezone: string;
  /** The brand's policy with the customer's own limit (customerPolicy). Empty: no window, no cap. */
  policy: SendPolicy;
  /**
   * The policy a send on `channel` (the step's; absent: email) goes out under, where it
   * differs from `policy`: a text keeps the SMS quiet hours (sms-policy.ts). Absent: `policy`.
   */
  policyFor?: (channel: SendChannel | undefined) => SendPolicy;
  /** Why a send would be held back (the customer's choices), or null when it goes. */
  holdBack?: (send: {
    category: MessageCategory;
    topic: string | null;
    transactional: boolean;
    /** The step's channel (absent: email). */
    channel?: SendChannel;
  }) => string | null;
  maxAdvances?: number;
}

export interface SimulatedEntry {
  at: number;
  /** For a send: when it would really go out under the send policy. */
  deliveredAt?: number;
  /** For a send: exempt from the send window and the cap. */
  transactional?: boolean;
  /** For a send: the channel the step names (absent: email). */
  channel?: SendChannel;
  kind: "start" | "send" | "held" | "notify" | "step" | "reply" | "event" | "end" | "stopped";
  stepId: string | null;
  /** The template for send/held/notify; the step's or the happening's detail otherwise. */
  detail: string;
  /** Which run (1, 2, …) when the flow starts more than once. */
  run?: number;
}

interface SimRun {
  no: number;
  start: RunStart;
  startedAt: number;
  state: RunState;
  event: TriggerFacts["event"];
  input: AdvanceInput;
}

const iso = (ms: number) => new Date(ms).toISOString();
const SIM_CUSTOMER = "simulated-customer";
const SIM_OWNERSHIP = "simulated-ownership";

export function simulate(world: SimulationWorld): SimulatedEntry[] {
  const { flow } = world;
  const out: SimulatedEntry[] = [];
  const runs: SimRun[] = [];
  const sentAt: number[] = [];
  let customer = world.facts.customer;
  const ids = { customerId: SIM_CUSTOMER, ownershipId: world.facts.ownership ? SIM_OWNERSHIP : null };
  const factsFor = (event: TriggerFacts["event"]): TriggerFacts => ({ ...world.facts, customer, event });
  const replies = (world.replies ?? [])
    .map((r): { at: number; text?: string } => (typeof r === "number" ? { at: r } : r))
    .filter((r) => r.at >= world.start)
    .sort((a, b) => a.at - b.at);
  const events = [...(world.events ?? [])].filter((e) => e.at >= world.start).sort((a, b) => a.at - b.at);
  let advances = 0;
  const limit = world.maxAdvances ?? 10_000;

  const startRun = (start: RunStart, now: number, event: TriggerFacts["event"], why: string) => {
    const earlier = runs.map((r) => ({
      flowId: r.start.flowId,
      entryKey: r.start.entryKey,
      startedAt: r.startedAt,
    }));
    if (!entryAdmits(start, earlier)) {
      out.push({ at: now, kind: "start", stepId: null, detail: `${why}: not started (the entry rule)` });
      return;
    }
    const run: SimRun = {
      no: runs.length + 1,
      start,
      startedAt: now,
      state: start.state,
      event,
      input: { type: "start" },
    };
    runs.push(run);
    out.push({ at: now, kind: "start", stepId: null, detail: `${why}: run ${run.no} starts`, run: run.no });
    step(run, now);
  };

  const step = (run: SimRun, now: number) => {
    advances++;
    const result = advance(flow, run.state, run.input, now, {
      waitScale: world.waitScale,
      facts: factsFor(run.event),
      defaultTimezone: world.defaultTimezone,
    });
    run.state = result.run;
    run.input = { type: "wake" };
    const tag = { run: run.no };
    for (const effect of result.effects) {
      switch (effect.type) {
        case "send": {
          const transactional = effect.transactional === true;
          const held = world.holdBack?.({
            category: effect.category,
            topic: effect.topic ?? null,
            transactional,
            ...(effect.channel ? { channel: effect.channel } : {}),
          });
          if (held) {
            out.push({
              at: now,
              kind: "held",
              stepId: effect.stepId,
              detail: `${effect.template}: ${held}`,
              ...(effect.channel ? { channel: effect.channel } : {}),
              ...tag,
            });
            break;
          }
          const deliveredAt = transactional
            ? now
            : earliestSendTime(world.policyFor?.(effect.channel) ?? world.policy, {
                now,
                timezone: world.timezone,
                sentAt,
              });
          if (!transactional) sentAt.push(deliveredAt);
          out.push({
            at: now,
            deliveredAt,
            kind: "send",
            stepId: effect.stepId,
            detail: effect.template,
            ...(transactional ? { transactional: true } : {}),
            ...(effect.channel ? { channel: effect.channel } : {}),
            ...tag,
          });
          break;
        }
        case "notify":
          out.push({ at: now, kind: "notify", stepId: effect.stepId, detail: effect.template, ...tag });
          break;
        case "step":
          // send, notify, tag and set have entries of their own: printed once.
          if (!["send", "notify", "tag", "set"].includes(effect.stepType)) {
            out.push({
              at: effect.at,
              kind: "step",
              stepId: effect.stepId,
              detail: `${effect.stepType}${effect.detail ? `: ${effect.detail}` : ""}`,
              ...tag,
            });
          }
          break;
        case "complete":
          out.push({ at: effect.at, kind: "end", stepId: null, detail: "the run ends", ...tag });
          break;
        case "tag": {
          const words = [...effect.add.map((t) => `+${t}`), ...effect.remove.map((t) => `-${t}`)];
          out.push({
            at: now,
            kind: "step",
            stepId: effect.stepId,
            detail: `tag: ${words.join(" ")}`,
            ...tag,
          });
          const tags = Array.isArray(customer.tags) ? (customer.tags as unknown[]) : [];
          customer = { ...customer, tags: changeTags(tags, effect) };
          break;
        }
        case "set": {
          out.push({
            at: now,
            kind: "step",
            stepId: effect.stepId,
            detail: `set: ${effect.field} = ${String(effect.value)}`,
            ...tag,
          });
          const name = effect.field.replace(/^customer\.attributes\./, "");
          const attributes = {
            ...((customer.attributes as Record<string, unknown>) ?? {}),
            [name]: effect.value,
          };
          customer = { ...customer, attributes };
          break;
        }
        case "schedule":
          break;
        default: {
          const never: never = effect;
          throw new Error(`unknown effect ${JSON.stringify(never)}`);
        }
      }
    }
    return result.effects.length;
  };

  // Date triggers: the schedule as the scheduler plans it from the start.
  const dateFlow = isDateTrigger(flow.trigger) ? (flow as DateFlow) : null;
  let nextDate = dateFlow
    ? plannedNextAt(
        dateFlow.trigger,
        factsFor({ type: "date", properties: {} }),
        null,
        world.start,
        world.defaultTimezone,
      )
    : null;
  if (dateFlow && nextDate === null) {
    out.push({
      at: world.start,
      kind: "stopped",
      stepId: null,
      detail: `no ${dateFlow.trigger.date} to start on`,
    });
    return out;
  }
  if (!dateFlow) {
    const first = factsFor(world.facts.event);
    const starts = eventRunStarts(
      [flow],
      first,
      world.start,
      { kind: "event", eventId: "simulated-event-0" },
      ids,
    );
    const [start] = starts;
    if (start) startRun(start, world.start, first.event, `${first.event.type} event`);
    else
      out.push({
        at: world.start,
        kind: "start",
        stepId: null,
        detail: `${first.event.type} event: the flow does not start (its trigger or where does not hold)`,
      });
  }

  let eventNo = 0;
  let replyNo = 0;
  for (;;) {
    if (advances >= limit) {
      out.push({ at: world.until, kind: "stopped", stepId: null, detail: `stopped after ${limit} advances` });
      return out;
    }
    const waking = runs.filter((r) => r.state.status === "waiting" && r.state.wakeAt !== null);
    const wake = Math.min(...waking.map((r) => r.state.wakeAt as number));
    const candidates = [wake, replies[0]?.at ?? Infinity, events[0]?.at ?? Infinity, nextDate ?? Infinity];
    const now = Math.min(...candidates);
    if (!Number.isFinite(now) || now > world.until) break;

    if (nextDate !== null && now === nextDate && dateFlow) {
      // As the scheduler fires a due schedule: the facts as now, the occurrence's event.
      const event = { type: "date", properties: { field: dateFlow.trigger.date, occurrence: iso(now) } };
      const decision = decideFiring(dateFlow, now, factsFor(event), now, world.defaultTimezone);
      if (decision.fire) {
        startRun(
          runStart(flow, { kind: "date", occurrence: now }, ids, now),
          now,
          event,
          `${dateFlow.trigger.date} ${iso(now)}`,
        );
      } else {
        out.push({
          at: now,
          kind: "start",
          stepId: null,
          detail: `${dateFlow.trigger.date}: not started (${decision.why})`,
        });
      }
      nextDate = decision.nextAt;
      continue;
    }
    const scripted = events[0];
    if (scripted && now === scripted.at) {
      events.shift();
      eventNo += 1;
      const event = { type: scripted.type, properties: scripted.properties ?? {} };
      const eventId = `simulated-event-${eventNo}`;
      out.push({ at: now, kind: "event", stepId: null, detail: `the customer's ${scripted.type} event` });
      // As the events job: waiting runs get it; then it may start runs of its own.
      for (const run of runs) {
        const input: AdvanceInput = { type: "event", eventType: scripted.type, eventId, at: now };
        if (run.state.status !== "waiting" || run.state.waitingFor !== "event") continue;
        run.input = input;
        step(run, now);
      }
      if (!dateFlow) {
        const [start] = eventRunStarts([flow], factsFor(event), now, { kind: "event", eventId }, ids);
        if (start) startRun(start, now, event, `${scripted.type} event`);
      }
      continue;
    }
    if (replies[0]?.at === now) {
      const reply = replies.shift();
      replyNo += 1;
      const entry: SimulatedEntry = { at: now, kind: "reply", stepId: null, detail: "the customer replies" };
      out.push(entry);
      let taken = 0;
      for (const run of runs) {
        if (run.state.status !== "waiting" || run.state.waitingFor !== "reply") continue;
        run.input = {
          type: "reply",
          interactionId: `simulated-reply-${replyNo}`,
          at: now,
          ...(reply?.text !== undefined ? { text: reply.text } : {}),
        };
        taken += step(run, now);
      }
      if (taken === 0)
        entry.detail = "the customer replies (the run is not waiting for a reply then: no effect)";
      continue;
    }
    for (const run of waking.filter((r) => r.state.wakeAt === now)) step(run, now);
  }

  for (const run of runs) {
    if (run.state.status === "completed" || run.state.status === "failed") continue;
    const wakeAt = run.state.wakeAt;
    out.push({
      at: world.until,
      kind: "stopped",
      stepId: null,
      detail:
        wakeAt === null
          ? "the run waits for nothing more"
          : `still waiting at the end of the simulation (next wake-up ${iso(wakeAt)})`,
      run: run.no,
    });
  }
  if (nextDate !== null && dateFlow)
    out.push({
      at: world.until,
      kind: "stopped",
      stepId: null,
      detail: `next ${dateFlow.trigger.date}: ${iso(nextDate)}`,
    });
  return out;
}

/** The simplest world: one flow, a customer known only by its first event, no policy. */
export function simulateFlow(
  flow: Flow,
  script: {
    start: number;
    until: number;
    facts?: TriggerFacts;
    replies?: NonNullable<SimulationWorld["replies"]>;
    waitScale?: number;
  },
): SimulatedEntry[] {
  const event = { type: "event" in flow.trigger ? flow.trigger.event : "date", properties: {} };
  return simulate({
    flow,
    start: script.start,
    until: script.until,
    facts: script.facts ?? { event, customer: {} },
    ...(script.replies ? { replies: script.replies } : {}),
    waitScale: script.waitScale ?? 1,
    timezone: "UTC",
    defaultTimezone: "UTC",
    policy: {},
  }).filter((e) => e.kind !== "start");
}
