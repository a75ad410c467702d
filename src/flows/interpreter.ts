/**
 * The flow interpreter: given a flow, a run's state, what happened (start, wake-up or a
 * reply) and the time, decides the run's next state and what should be done (effects).
 *
 * Contract (see types.ts): advance() is pure and total for any state it produced itself
 * (it throws only on a bad waitScale, or when a branch, goal or exit_when tests a field
 * and opts.facts is missing: both are the caller's mistakes). From `run.cursor` it executes steps in order,
 * entering nested lists and coming back out of them (after a nested list the flow goes
 * on with the step after the one that owns it):
 *   - send / notify: emits `send` / `notify` + `step`, moves on; a send carries its category
 *     (sendCategory) and topic (the step's, else the flow's);
 *   - wait, not yet waiting on it: wakeAt = now + round(durationMs × waitScale), status
 *     "waiting" (waitingFor "time"), emits `schedule` + `step` ("until <ISO time>"), stops;
 *   - wait, waiting on it and now >= wakeAt: the wait is over, moves on (its `step` was
 *     recorded when it began);
 *   - wait or wait_for_reply, woken early: emits only `schedule` for the same wakeAt and
 *     changes nothing, so a duplicate or early wake-up job is harmless;
 *   - wait_for_reply, not yet waiting on it: like wait with its timeout, but waitingFor
 *     "reply"; `step` says "waiting for a reply until <ISO time>";
 *   - wait_for_reply, waiting on it, start/wake with now >= wakeAt: `step` ("no reply by
 *     <ISO time>; on_timeout"), then its on_timeout steps;
 *   - reply input: taken only when the run waits on a wait_for_reply, the reply's `at` is
 *     within the wait (waitingSince <= at < wakeAt) and its interactionId was not taken
 *     before; then it is recorded in RunState.replies, `step` ("reply <interactionId>;
 *     on_reply"), then the on_reply steps. Any other reply changes nothing and emits
 *     nothing (a late reply leaves the timeout to the wake-up);
 *   - branch: the first arm whose condition holds (`replied` from RunState.replies, fields
 *     from opts.facts), or the else arm: `step` naming it, then its steps; no arm: `step`
 *     ("no choice matched"), moves on;
 *   - exit: `step` (the reason), then status "completed" and `complete`;
 *   - wait_until: the target from waitUntilTarget() (dates.ts) in the customer's time zone
 *     (facts.customer.timezone, else opts.defaultTimezone, else UTC); the wait is
 *     round((target - now) × waitScale) long and behaves like `wait` from then on; a
 *     target that is now, past or unknown (no birthday) does not wait: `step` says why,
 *     moves on;
 *   - wait_for: like wait_for_reply, waitingFor "event" and waitingForEvent = its event
 *     type; an `event` input of that type with waitingSince <= at < wakeAt and an eventId
 *     not taken before is recorded in RunState.events, `step` ("event <type> <id>;
 *     on_event"), then on_event; the timeout takes on_timeout. Other events change nothing;
 *   - tag / set: emit `tag` / one `set` per field + `step`, move on; later conditions in the
 *     same advance see the new tags and attributes.
 * Before every step (the one a run is parked on included), the flow's `goal` and then its
 * `exit_when` are checked (with opts.facts and `now`): when one holds the run completes
 * with outcome "converted" / "exited", after a `step` with stepId and stepType "goal" /
 * "exit_when" whose detail names the condition.
 * Past the last step: status "completed", emits `complete`. A completed or failed run
 * gets no effects and is returned unchanged. `start` and `wake` are treated alike: both
 * mean "do what is due now", which makes a retried job idempotent.
 * A cursor that no longer fits the flow (the file changed under a waiting run) is read as
 * far as it fits; a nested list that is gone counts as finished.
 * Runs stored before nesting (cursor a number, no waitingFor / waitingSince / replies)
 * are read as their equivalent.
 * No clock, no I/O, no randomness: `now` is epoch ms, passed in.
 */
import { describeCondition, evaluateCondition, testsFields } from "./conditions.js";
import { timezoneFor, waitUntilTarget } from "./dates.js";
import { subLists } from "./steps.js";
import { changeTags, type TagChange } from "./tags.js";
import type {
  AdvanceInput,
  AdvanceOptions,
  AdvanceResult,
  Condition,
  Cursor,
  Effect,
  Flow,
  MessageCategory,
  RunEvent,
  RunReply,
  RunState,
  Step,
  TriggerFacts,
} from "./types.js";

/** A run not started yet; `origin` "broadcast" for runs a broadcast creates (their messages are news). */
export function initialRun(origin?: RunState["origin"]): RunState {
  return {
    cursor: [0],
    status: "active",
    wakeAt: null,
    waitingFor: null,
    waitingSince: null,
    replies: [],
    ...(origin ? { origin } : {}),
  };
}

/**
 * The category of a send step's message: transactional (the step's, else the flow's
 * flag), news when a broadcast started the run, else relationship.
 */
export function sendCategory(flow: Flow, step: { transactional?: boolean }, run: RunState): MessageCategory {
  if (step.transactional ?? flow.transactional) return "transactional";
  return run.origin === "broadcast" ? "news" : "relationship";
}

/** True when the run waits on a wait_for_reply: a `reply` input for it would be taken. */
export function isWaitingForReply(state: RunState): boolean {
  return state.status === "waiting" && state.waitingFor === "reply";
}

/** The event type the run waits for (a wait_for), or null: an `event` input of that type may be taken. */
export function waitingForEvent(state: RunState): string | null {
  return state.status === "waiting" && state.waitingFor === "event" ? (state.waitingForEvent ?? null) : null;
}

/** Whether the run has taken a human reply (the `replied` fact of branch conditions). */
export function hasReplied(state: RunState): boolean {
  return (state.replies ?? []).length > 0;
}

/** A state as stored by any version of rapport, in today's shape. */
export function normalizeRun(state: RunState): RunState {
  const legacy = state as Partial<RunState> & { cursor: Cursor | number; status: RunState["status"] };
  const cursor = typeof legacy.cursor === "number" ? [legacy.cursor] : legacy.cursor;
  const out: RunState = {
    cursor: cursor.length > 0 ? cursor : [0],
    status: legacy.status,
    wakeAt: legacy.wakeAt ?? null,
    // Before wait_for_reply existed, a waiting run could only wait for time.
    waitingFor: legacy.waitingFor ?? (legacy.status === "waiting" ? "time" : null),
    waitingSince: legacy.waitingSince ?? null,
    replies: legacy.replies ?? [],
  };
  if (legacy.waitingForEvent) out.waitingForEvent = legacy.waitingForEvent;
  if (legacy.events && legacy.events.length > 0) out.events = legacy.events;
  if (legacy.outcome) out.outcome = legacy.outcome;
  if (legacy.origin) out.origin = legacy.origin;
  return out;
}

function sendEffect(
  flow: Flow,
  step: Extract<Step, { type: "send" }>,
  run: RunState,
): Extract<Effect, { type: "send" }> {
  const category = sendCategory(flow, step, run);
  const topic = step.topic ?? flow.topic;
  return {
    type: "send",
    stepId: step.id,
    template: step.template,
    ...(category === "transactional" ? { transactional: true } : {}),
    category,
    ...(topic !== undefined ? { topic } : {}),
    ...(step.channel ? { channel: step.channel } : {}),
  };
}

/** One level of the cursor: a list and the index in it; `list` is the sub-list number in the parent step. */
interface Frame {
  steps: readonly Step[];
  list: number;
  index: number;
}

/** The cursor as a stack of frames, read as far as it fits the flow. */
function framesOf(flow: Flow, cursor: Cursor): Frame[] {
  const frames: Frame[] = [{ steps: flow.steps, list: 0, index: cursor[0] ?? 0 }];
  for (let i = 1; i + 1 < cursor.length; i += 2) {
    const top = frames[frames.length - 1] as Frame;
    const owner = top.steps[top.index];
    const listNo = cursor[i] as number;
    const list = owner ? subLists(owner)[listNo] : undefined;
    if (!list) {
      // The flow changed: that nested list is gone; carry on after its owner.
      top.index += 1;
      return frames;
    }
    frames.push({ steps: list.steps, list: listNo, index: cursor[i + 1] as number });
  }
  return frames;
}

function cursorOf(frames: readonly Frame[]): Cursor {
  const out: number[] = [];
  frames.forEach((f, i) => {
    if (i > 0) out.push(f.list);
    out.push(f.index);
  });
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const NO_FACTS: TriggerFacts = { event: { type: "", properties: {} }, customer: {} };

type WaitKind = "time" | "reply" | "event";

function waitKindOf(step: Step): WaitKind | null {
  switch (step.type) {
    case "wait":
    case "wait_until":
      return "time";
    case "wait_for_reply":
      return "reply";
    case "wait_for":
      return "event";
    case "send":
    case "notify":
    case "branch":
    case "tag":
    case "set":
    case "exit":
      return null;
    default: {
      const never: never = step;
      throw new Error(`unknown step ${JSON.stringify(never)}`);
    }
  }
}

/**
 * advance() reached a point that reads the run's facts (a field condition, a wait_until
 * being entered) without them: given none, or asked to stop there (`factsOnDemand`).
 */
export class FactsNeededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FactsNeededError";
  }
}

/** Customer facts after a tag step (tags.ts has the rule). */
function withTags(facts: TriggerFacts, change: TagChange): TriggerFacts {
  const current = Array.isArray(facts.customer.tags) ? (facts.customer.tags as unknown[]) : [];
  return { ...facts, customer: { ...facts.customer, tags: changeTags(current, change) } };
}

/** Customer facts after a set step (fields are customer.attributes.<name>). */
function withValues(
  facts: TriggerFacts,
  values: ReadonlyArray<{ field: string; value: unknown }>,
): TriggerFacts {
  const attributes = { ...((facts.customer.attributes as Record<string, unknown> | undefined) ?? {}) };
  for (const { field, value } of values) attributes[field.slice("customer.attributes.".length)] = value;
  return { ...facts, customer: { ...facts.customer, attributes } };
}

export function advance(
  flow: Flow,
  given: RunState,
  input: AdvanceInput,
  now: number,
  opts: AdvanceOptions,
): AdvanceResult {
  if (given.status === "completed" || given.status === "failed") return { run: given, effects: [] };
  const scale = opts.waitScale ?? 1;
  if (!Number.isFinite(scale) || scale < 0) {
    throw new RangeError(`waitScale must be a finite number >= 0, got ${String(opts.waitScale)}`);
  }
  const run = normalizeRun(given);
  const unchanged: AdvanceResult = { run: given, effects: [] };

  const effects: Effect[] = [];
  const frames = framesOf(flow, run.cursor);
  let replies: RunReply[] = run.replies;
  let events: RunEvent[] = run.events ?? [];
  let facts: TriggerFacts | undefined = opts.facts;
  // Only the step the run was parked on can be "already waiting"; later waits start fresh.
  let parked: { kind: WaitKind; wakeAt: number } | null =
    run.status === "waiting" && run.wakeAt !== null && run.waitingFor !== null
      ? { kind: run.waitingFor, wakeAt: run.wakeAt }
      : null;

  const top = (): Frame => frames[frames.length - 1] as Frame;
  const enter = (owner: Step, list: number) => {
    const sub = subLists(owner)[list];
    if (sub) frames.push({ steps: sub.steps, list, index: 0 });
    else top().index += 1;
    parked = null;
  };
  const next = () => {
    top().index += 1;
    parked = null;
  };
  const state = (over: Partial<RunState>): RunState => {
    const out: RunState = {
      cursor: cursorOf(frames),
      status: "active",
      wakeAt: null,
      waitingFor: null,
      waitingSince: null,
      replies,
      ...over,
    };
    if (events.length > 0) out.events = events;
    if (run.origin) out.origin = run.origin;
    return out;
  };
  const holds = (condition: Condition, what: string): boolean => {
    if (!facts && testsFields(condition)) {
      throw new FactsNeededError(
        `flow ${flow.id}, ${what}: the condition "${describeCondition(condition)}" tests a field, but advance() was given no facts`,
      );
    }
    return evaluateCondition(
      condition,
      {
        ...(facts ?? NO_FACTS),
        run: { replied: replies.length > 0 },
        reply: { text: replies[replies.length - 1]?.text ?? "" },
      },
      now,
    );
  };
  /** goal, then exit_when: the result that ends the run, or null to go on. */
  const rules = (): AdvanceResult | null => {
    const checks = [
      { word: "goal", when: flow.goal, outcome: "converted" },
      { word: "exit_when", when: flow.exitWhen, outcome: "exited" },
    ] as const;
    for (const { word, when, outcome } of checks) {
      if (when === undefined || !holds(when, word)) continue;
      const why = word === "goal" ? "goal reached" : "exit_when holds";
      effects.push({
        type: "step",
        stepId: word,
        stepType: word,
        at: now,
        detail: `${why}: ${describeCondition(when)}`,
      });
      effects.push({ type: "complete", at: now, outcome });
      return { run: state({ status: "completed", outcome }), effects };
    }
    return null;
  };

  if (input.type === "reply") {
    if (!isWaitingForReply(run) || parked === null) return unchanged;
    const step = top().steps[top().index];
    if (step?.type !== "wait_for_reply") return unchanged;
    if (replies.some((r) => r.interactionId === input.interactionId)) return unchanged;
    if (run.waitingSince !== null && input.at < run.waitingSince) return unchanged;
    if (input.at >= parked.wakeAt) return unchanged;
    replies = [
      ...replies,
      {
        stepId: step.id,
        interactionId: input.interactionId,
        at: input.at,
        ...(input.text !== undefined ? { text: input.text.slice(0, 1000) } : {}),
      },
    ];
    // keep_as: the answer kept on the customer, in the same transaction as the step.
    const kept = step.keepAs && input.text !== undefined ? keptAnswer(input.text) : "";
    if (step.keepAs && kept) effects.push({ type: "set", stepId: step.id, field: step.keepAs, value: kept });
    effects.push({
      type: "step",
      stepId: step.id,
      stepType: "wait_for_reply",
      at: now,
      detail: `reply ${input.interactionId} at ${iso(input.at)}${step.keepAs && kept ? `, kept as ${step.keepAs}` : ""}; on_reply`,
    });
    enter(step, 0);
  } else if (input.type === "event") {
    if (run.status !== "waiting" || run.waitingFor !== "event" || parked === null) return unchanged;
    const step = top().steps[top().index];
    if (step?.type !== "wait_for" || step.event !== input.eventType) return unchanged;
    if (events.some((e) => e.eventId === input.eventId)) return unchanged;
    if (run.waitingSince !== null && input.at < run.waitingSince) return unchanged;
    if (input.at >= parked.wakeAt) return unchanged;
    events = [
      ...events,
      { stepId: step.id, eventType: input.eventType, eventId: input.eventId, at: input.at },
    ];
    effects.push({
      type: "step",
      stepId: step.id,
      stepType: "wait_for",
      at: now,
      detail: `event ${input.eventType} ${input.eventId} at ${iso(input.at)}; on_event`,
    });
    enter(step, 0);
  }

  // Each iteration moves a cursor forward, enters a nested list, leaves one, or returns,
  // so this ends within a few rounds per step of the flow.
  for (;;) {
    const frame = top();
    const step = frame.steps[frame.index];
    if (step === undefined) {
      if (frames.length > 1) {
        frames.pop();
        next();
        continue;
      }
      effects.push({ type: "complete", at: now });
      return { run: state({ status: "completed" }), effects };
    }
    const ended = rules();
    if (ended) return ended;
    switch (step.type) {
      case "send":
      case "notify":
        effects.push(
          step.type === "send"
            ? sendEffect(flow, step, run)
            : { type: "notify", stepId: step.id, template: step.template },
        );
        effects.push({
          type: "step",
          stepId: step.id,
          stepType: step.type,
          at: now,
          detail:
            step.type === "send" ? `template ${step.template}` : `template ${step.template} to the team`,
        });
        next();
        break;
      case "tag": {
        effects.push({ type: "tag", stepId: step.id, add: step.add, remove: step.remove });
        const words = [
          ...(step.add.length > 0 ? [`add ${step.add.join(", ")}`] : []),
          ...(step.remove.length > 0 ? [`remove ${step.remove.join(", ")}`] : []),
        ];
        effects.push({ type: "step", stepId: step.id, stepType: "tag", at: now, detail: words.join("; ") });
        if (facts) facts = withTags(facts, step);
        next();
        break;
      }
      case "set": {
        for (const { field, value } of step.values) {
          effects.push({ type: "set", stepId: step.id, field, value });
        }
        effects.push({
          type: "step",
          stepId: step.id,
          stepType: "set",
          at: now,
          detail: step.values.map((v) => `${v.field} = ${String(v.value)}`).join("; "),
        });
        if (facts) facts = withValues(facts, step.values);
        next();
        break;
      }
      case "wait":
      case "wait_until":
      case "wait_for_reply":
      case "wait_for": {
        const kind = waitKindOf(step) as WaitKind;
        if (parked !== null && parked.kind === kind) {
          const wakeAt = parked.wakeAt;
          if (now < wakeAt) {
            effects.push({ type: "schedule", stepId: step.id, at: wakeAt });
            return { run: given, effects };
          }
          if (step.type === "wait" || step.type === "wait_until") {
            next();
            break;
          }
          effects.push({
            type: "step",
            stepId: step.id,
            stepType: step.type,
            at: now,
            detail:
              step.type === "wait_for_reply"
                ? `no reply by ${iso(wakeAt)}; on_timeout`
                : `no ${step.event} event by ${iso(wakeAt)}; on_timeout`,
          });
          enter(step, 1);
          break;
        }
        let wakeAt: number;
        let detail: string;
        if (step.type === "wait_until") {
          if (!facts && opts.factsOnDemand)
            throw new FactsNeededError(
              `flow ${flow.id}, step ${step.id}: wait_until reads the customer's dates and time zone`,
            );
          const target = waitUntilTarget(step.until, facts, now, timezoneFor(facts, opts.defaultTimezone));
          if ("skip" in target || target.at <= now) {
            const why = "skip" in target ? target.skip : `${iso(target.at)} is now`;
            effects.push({
              type: "step",
              stepId: step.id,
              stepType: step.type,
              at: now,
              detail: `no wait: ${why}`,
            });
            next();
            break;
          }
          wakeAt = now + Math.round((target.at - now) * scale);
          detail = `until ${iso(wakeAt)}`;
        } else {
          const ms = step.type === "wait" ? step.durationMs : step.timeoutMs;
          wakeAt = now + Math.round(ms * scale);
          detail =
            step.type === "wait"
              ? `until ${iso(wakeAt)}`
              : step.type === "wait_for_reply"
                ? `waiting for a reply until ${iso(wakeAt)}`
                : `waiting for a ${step.event} event until ${iso(wakeAt)}`;
        }
        effects.push({ type: "schedule", stepId: step.id, at: wakeAt });
        effects.push({ type: "step", stepId: step.id, stepType: step.type, at: now, detail });
        const waiting = state({ status: "waiting", wakeAt, waitingFor: kind, waitingSince: now });
        if (step.type === "wait_for") waiting.waitingForEvent = step.event;
        return { run: waiting, effects };
      }
      case "branch": {
        const chosen = step.arms.findIndex((arm) => arm.when === null || holds(arm.when, `step ${step.id}`));
        const arm = step.arms[chosen];
        const detail =
          arm === undefined
            ? "no choice matched"
            : arm.when === null
              ? "took else"
              : `took if #${chosen + 1} (${describeCondition(arm.when)})`;
        effects.push({ type: "step", stepId: step.id, stepType: "branch", at: now, detail });
        if (arm === undefined) next();
        else enter(step, chosen);
        break;
      }
      case "exit":
        effects.push({
          type: "step",
          stepId: step.id,
          stepType: "exit",
          at: now,
          detail: step.reason ?? "exit",
        });
        effects.push({ type: "complete", at: now });
        return { run: state({ status: "completed" }), effects };
      default: {
        const unknown: never = step;
        throw new Error(`unknown step type in flow ${flow.id}: ${JSON.stringify(unknown)}`);
      }
    }
  }
}

/** The longest answer kept on a customer (keep_as): a sentence or two, not a letter. */
export const KEPT_ANSWER_MAX = 200;

/**
 * A reply's words as kept on the customer (wait_for_reply's keep_as): its first paragraph,
 * whitespace folded, at most KEPT_ANSWER_MAX characters (cut at a word, with "…").
 */
export function keptAnswer(text: string): string {
  const first = text.trim().split(/\n\s*\n/)[0] ?? "";
  const folded = first.replace(/\s+/g, " ").trim();
  if (folded.length <= KEPT_ANSWER_MAX) return folded;
  const cut = folded.slice(0, KEPT_ANSWER_MAX - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > KEPT_ANSWER_MAX / 2 ? cut.slice(0, space) : cut}…`;
}
