/**
 * wait_for_reply, notify, branch and exit, and the path cursor that walks nested lists.
 */
import { describe, expect, it } from "vitest";
import {
  advance,
  hasReplied,
  initialRun,
  isWaitingForReply,
  normalizeRun,
} from "../../../src/flows/interpreter.js";
import type {
  AdvanceInput,
  Condition,
  Effect,
  FieldCondition,
  Flow,
  RunState,
  Step,
  TriggerFacts,
} from "../../../src/flows/types.js";

const DAY = 24 * 60 * 60 * 1000;
const T0 = 1_000_000;
const iso = (ms: number) => new Date(ms).toISOString();

function flowOf(steps: Step[]): Flow {
  return {
    id: "test",
    name: "Test",
    version: "v1",
    file: "test.yaml",
    trigger: { event: "registration" },
    entry: "once_per_product",
    steps,
  };
}

const send = (id: string, template = id): Step => ({ id, type: "send", template });

/** send question; wait_for_reply 7 days (on_reply: thanks, on_timeout: reminder); send after. */
const ask = flowOf([
  send("question"),
  {
    id: "answer",
    type: "wait_for_reply",
    timeoutMs: 7 * DAY,
    timeout: "7 days",
    onReply: [send("thanks")],
    onTimeout: [send("reminder")],
  },
  send("after"),
]);

const waitingOnAnswer: RunState = {
  cursor: [1],
  status: "waiting",
  wakeAt: T0 + 7 * DAY,
  waitingFor: "reply",
  waitingSince: T0,
  replies: [],
};

const reply = (interactionId: string, at: number): AdvanceInput => ({ type: "reply", interactionId, at });

const facts: TriggerFacts = {
  event: { type: "registration", properties: {} },
  customer: { email: "ada@example.com", attributes: { vip: true } },
  product: { category: "turntable" },
};

describe("wait_for_reply", () => {
  it("start: sends, then waits for a reply until the timeout", () => {
    const { run, effects } = advance(ask, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" });
    expect(run).toEqual(waitingOnAnswer);
    expect(isWaitingForReply(run)).toBe(true);
    expect(effects.slice(2)).toEqual([
      { type: "schedule", stepId: "answer", at: T0 + 7 * DAY },
      {
        type: "step",
        stepId: "answer",
        stepType: "wait_for_reply",
        at: T0,
        detail: `waiting for a reply until ${iso(T0 + 7 * DAY)}`,
      },
    ]);
  });

  it("a reply before the timeout takes on_reply, records the reply, then carries on after", () => {
    const now = T0 + 2 * DAY;
    const { run, effects } = advance(ask, waitingOnAnswer, reply("int-1", now - 5), now, {
      defaultTimezone: "UTC",
    });
    expect(run).toEqual({
      cursor: [3],
      status: "completed",
      wakeAt: null,
      waitingFor: null,
      waitingSince: null,
      replies: [{ stepId: "answer", interactionId: "int-1", at: now - 5 }],
    });
    expect(hasReplied(run)).toBe(true);
    expect(effects).toEqual([
      {
        type: "step",
        stepId: "answer",
        stepType: "wait_for_reply",
        at: now,
        detail: `reply int-1 at ${iso(now - 5)}; on_reply`,
      },
      { type: "send", stepId: "thanks", template: "thanks", category: "relationship" },
      { type: "step", stepId: "thanks", stepType: "send", at: now, detail: "template thanks" },
      { type: "send", stepId: "after", template: "after", category: "relationship" },
      { type: "step", stepId: "after", stepType: "send", at: now, detail: "template after" },
      { type: "complete", at: now },
    ]);
  });

  const wakes: Array<[string, number, string[]]> = [
    [
      "a wake at the timeout takes on_timeout",
      T0 + 7 * DAY,
      ["step", "send:reminder", "send:after", "complete"],
    ],
    ["a late wake takes on_timeout", T0 + 9 * DAY, ["step", "send:reminder", "send:after", "complete"]],
    ["an early wake only re-emits the schedule", T0 + DAY, ["schedule"]],
  ];
  it.each(wakes)("%s", (_name, now, expected) => {
    const { effects } = advance(ask, waitingOnAnswer, { type: "wake" }, now, { defaultTimezone: "UTC" });
    const summary = effects
      .filter((e) => e.type !== "step" || e.stepType === "wait_for_reply")
      .map((e) => (e.type === "send" ? `send:${e.template}` : e.type));
    expect(summary).toEqual(expected);
  });

  it("an early wake leaves the run exactly as it was", () => {
    const { run, effects } = advance(ask, waitingOnAnswer, { type: "wake" }, T0 + DAY, {
      defaultTimezone: "UTC",
    });
    expect(run).toEqual(waitingOnAnswer);
    expect(effects).toEqual([{ type: "schedule", stepId: "answer", at: T0 + 7 * DAY }]);
  });

  it("the timeout is recorded as a step naming the deadline", () => {
    const { effects, run } = advance(ask, waitingOnAnswer, { type: "wake" }, T0 + 7 * DAY, {
      defaultTimezone: "UTC",
    });
    expect(effects[0]).toEqual({
      type: "step",
      stepId: "answer",
      stepType: "wait_for_reply",
      at: T0 + 7 * DAY,
      detail: `no reply by ${iso(T0 + 7 * DAY)}; on_timeout`,
    });
    expect(hasReplied(run)).toBe(false);
  });

  it("a duplicate wake after the timeout was taken does nothing more", () => {
    const first = advance(ask, waitingOnAnswer, { type: "wake" }, T0 + 7 * DAY, { defaultTimezone: "UTC" });
    const again = advance(ask, first.run, { type: "wake" }, T0 + 7 * DAY + 1, { defaultTimezone: "UTC" });
    expect(again).toEqual({ run: first.run, effects: [] });
  });

  const ignored: Array<[string, RunState, AdvanceInput]> = [
    ["not started yet (active)", initialRun(), reply("int-1", T0)],
    ["waiting on a plain wait", { ...waitingOnAnswer, waitingFor: "time" }, reply("int-1", T0 + DAY)],
    [
      "completed",
      { ...waitingOnAnswer, status: "completed", wakeAt: null, waitingFor: null },
      reply("int-1", T0),
    ],
    [
      "the reply came after the timeout (the wake takes on_timeout)",
      waitingOnAnswer,
      reply("int-1", T0 + 7 * DAY),
    ],
    ["the reply came before the wait began", waitingOnAnswer, reply("int-1", T0 - 1)],
    [
      "the same interaction was already taken",
      { ...waitingOnAnswer, replies: [{ stepId: "earlier", interactionId: "int-1", at: T0 - DAY }] },
      reply("int-1", T0 + DAY),
    ],
  ];
  it.each(ignored)("a reply changes nothing and emits nothing when %s", (_name, state, input) => {
    const result = advance(ask, state, input, T0 + 2 * DAY, { defaultTimezone: "UTC" });
    expect(result.run).toEqual(state);
    expect(result.effects).toEqual([]);
  });

  it("a reply while waiting on a plain wait is ignored, in a flow with both", () => {
    const flow = flowOf([{ id: "w", type: "wait", durationMs: DAY, duration: "1 day" }, ...ask.steps]);
    const started = advance(flow, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" });
    expect(isWaitingForReply(started.run)).toBe(false);
    expect(advance(flow, started.run, reply("int-1", T0 + 1), T0 + 1, { defaultTimezone: "UTC" })).toEqual({
      run: started.run,
      effects: [],
    });
  });

  it("a repeated reply (job retried) after on_reply was taken does nothing", () => {
    const first = advance(ask, waitingOnAnswer, reply("int-1", T0 + DAY), T0 + DAY, {
      defaultTimezone: "UTC",
    });
    const again = advance(ask, first.run, reply("int-1", T0 + DAY), T0 + DAY + 1, { defaultTimezone: "UTC" });
    expect(again).toEqual({ run: first.run, effects: [] });
  });

  const scales: Array<[number, number]> = [
    [1, 7 * DAY],
    [0.001, Math.round(7 * DAY * 0.001)],
    [0, 0],
  ];
  it.each(scales)("waitScale %d makes the timeout %i ms", (waitScale, ms) => {
    const { run } = advance(ask, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC", waitScale });
    expect(run.wakeAt).toBe(T0 + ms);
  });

  it("an empty on_timeout just carries on", () => {
    const flow = flowOf([
      { id: "a", type: "wait_for_reply", timeoutMs: DAY, timeout: "1 day", onReply: [], onTimeout: [] },
      send("after"),
    ]);
    const started = advance(flow, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" });
    const { run, effects } = advance(flow, started.run, { type: "wake" }, T0 + DAY, {
      defaultTimezone: "UTC",
    });
    expect(run.status).toBe("completed");
    expect(effects.filter((e) => e.type === "send")).toEqual([
      { type: "send", stepId: "after", template: "after", category: "relationship" },
    ]);
  });

  it("waits again inside on_reply: the cursor addresses the nested step", () => {
    const flow = flowOf([
      {
        id: "a",
        type: "wait_for_reply",
        timeoutMs: 7 * DAY,
        timeout: "7 days",
        onReply: [
          send("thanks"),
          { id: "pause", type: "wait", durationMs: DAY, duration: "1 day" },
          send("tips"),
        ],
        onTimeout: [],
      },
      send("after"),
    ]);
    const started = advance(flow, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" });
    const replied = advance(flow, started.run, reply("i", T0 + 10), T0 + 10, { defaultTimezone: "UTC" });
    expect(replied.run).toMatchObject({
      cursor: [0, 0, 1],
      status: "waiting",
      wakeAt: T0 + 10 + DAY,
      waitingFor: "time",
    });
    const early = advance(flow, replied.run, { type: "wake" }, T0 + 20, { defaultTimezone: "UTC" });
    expect(early).toEqual({
      run: replied.run,
      effects: [{ type: "schedule", stepId: "pause", at: T0 + 10 + DAY }],
    });
    const done = advance(flow, replied.run, { type: "wake" }, T0 + 10 + DAY, { defaultTimezone: "UTC" });
    expect(done.run).toMatchObject({ cursor: [2], status: "completed" });
    expect(done.effects.filter((e) => e.type === "send").map((e) => e.stepId)).toEqual(["tips", "after"]);
  });
});

describe("notify", () => {
  it("emits notify (to the team), distinct from send, and a step", () => {
    const flow = flowOf([{ id: "team", type: "notify", template: "owner-message-to-team" }, send("ack")]);
    const { run, effects } = advance(flow, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" });
    expect(run.status).toBe("completed");
    expect(effects).toEqual([
      { type: "notify", stepId: "team", template: "owner-message-to-team" },
      {
        type: "step",
        stepId: "team",
        stepType: "notify",
        at: T0,
        detail: "template owner-message-to-team to the team",
      },
      { type: "send", stepId: "ack", template: "ack", category: "relationship" },
      { type: "step", stepId: "ack", stepType: "send", at: T0, detail: "template ack" },
      { type: "complete", at: T0 },
    ]);
  });
});

describe("branch", () => {
  const field = (name: string, is: FieldCondition): Condition => ({
    type: "field",
    field: name,
    is,
  });
  const branchFlow = flowOf([
    {
      id: "pick",
      type: "branch",
      arms: [
        { when: field("customer.attributes.vip", true), steps: [send("vip")] },
        { when: field("product.category", { in: ["turntable", "amplifier"] }), steps: [send("hifi")] },
        { when: null, steps: [send("general")] },
      ],
    },
    send("after"),
  ]);

  const cases: Array<[string, TriggerFacts, string, string]> = [
    ["the first matching if wins", facts, "vip", "took if #1 (customer.attributes.vip = true)"],
    [
      "an else-if when the first does not hold",
      { ...facts, customer: { attributes: { vip: false } } },
      "hifi",
      "took if #2 (product.category in [turntable, amplifier])",
    ],
    [
      "else when no if holds",
      { ...facts, customer: {}, product: { category: "speaker" } },
      "general",
      "took else",
    ],
  ];
  it.each(cases)("%s", (_name, f, template, detail) => {
    const { run, effects } = advance(branchFlow, initialRun(), { type: "start" }, T0, {
      defaultTimezone: "UTC",
      facts: f,
    });
    expect(run.status).toBe("completed");
    expect(effects[0]).toEqual({ type: "step", stepId: "pick", stepType: "branch", at: T0, detail });
    expect(effects.filter((e) => e.type === "send").map((e) => (e as { template: string }).template)).toEqual(
      [template, "after"],
    );
  });

  it("no arm and no else: records it and carries on", () => {
    const flow = flowOf([
      { id: "pick", type: "branch", arms: [{ when: { type: "replied", value: true }, steps: [send("x")] }] },
      send("after"),
    ]);
    const { effects } = advance(flow, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" });
    expect(effects[0]).toEqual({
      type: "step",
      stepId: "pick",
      stepType: "branch",
      at: T0,
      detail: "no choice matched",
    });
    expect(effects.filter((e) => e.type === "send").map((e) => e.stepId)).toEqual(["after"]);
  });

  it("a field condition without facts is the caller's mistake", () => {
    expect(() =>
      advance(branchFlow, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" }),
    ).toThrow(/tests a field, but advance\(\) was given no facts/);
  });

  it("replied comes from the run's replies, no facts needed", () => {
    const flow = flowOf([
      { id: "a", type: "wait_for_reply", timeoutMs: DAY, timeout: "1 day", onReply: [], onTimeout: [] },
      {
        id: "pick",
        type: "branch",
        arms: [
          { when: { type: "replied", value: true }, steps: [send("thanks")] },
          { when: null, steps: [send("nudge")] },
        ],
      },
    ]);
    const started = advance(flow, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" });
    const answered = advance(flow, started.run, reply("i", T0 + 1), T0 + 1, { defaultTimezone: "UTC" });
    const silent = advance(flow, started.run, { type: "wake" }, T0 + DAY, { defaultTimezone: "UTC" });
    const sent = (e: Effect[]) => e.filter((x) => x.type === "send").map((x) => x.stepId);
    expect(sent(answered.effects)).toEqual(["thanks"]);
    expect(sent(silent.effects)).toEqual(["nudge"]);
  });

  it("a branch nested inside on_reply, with an exit inside the branch", () => {
    const flow = flowOf([
      {
        id: "answer",
        type: "wait_for_reply",
        timeoutMs: 7 * DAY,
        timeout: "7 days",
        onReply: [
          {
            id: "vip-or-not",
            type: "branch",
            arms: [
              {
                when: {
                  type: "all",
                  conditions: [{ type: "replied", value: true }, field("customer.attributes.vip", true)],
                },
                steps: [send("vip-thanks"), { id: "done", type: "exit", reason: "vip answered" }],
              },
              { when: null, steps: [send("thanks")] },
            ],
          },
        ],
        onTimeout: [],
      },
      send("after"),
    ]);
    const started = advance(flow, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC", facts });
    const vip = advance(flow, started.run, reply("i", T0 + 1), T0 + 1, { defaultTimezone: "UTC", facts });
    expect(vip.run).toMatchObject({ cursor: [0, 0, 0, 0, 1], status: "completed" });
    expect(
      vip.effects.map((e) =>
        e.type === "step"
          ? `${e.type}:${e.stepId}:${e.detail}`
          : `${e.type}:${"stepId" in e ? e.stepId : ""}`,
      ),
    ).toEqual([
      `step:answer:reply i at ${iso(T0 + 1)}; on_reply`,
      "step:vip-or-not:took if #1 (replied = true and customer.attributes.vip = true)",
      "send:vip-thanks",
      "step:vip-thanks:template vip-thanks",
      "step:done:vip answered",
      "complete:",
    ]);
    const other = advance(flow, started.run, reply("i", T0 + 1), T0 + 1, {
      defaultTimezone: "UTC",
      facts: { ...facts, customer: {} },
    });
    expect(other.effects.filter((e) => e.type === "send").map((e) => e.stepId)).toEqual(["thanks", "after"]);
  });
});

describe("exit", () => {
  const cases: Array<[string, string | null, string]> = [
    ["with a reason", "not interested", "not interested"],
    ["without a reason", null, "exit"],
  ];
  it.each(cases)("ends the run %s; later steps are not taken", (_name, reason, detail) => {
    const flow = flowOf([send("a"), { id: "stop", type: "exit", reason }, send("never")]);
    const { run, effects } = advance(flow, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" });
    expect(run).toMatchObject({ cursor: [1], status: "completed", wakeAt: null });
    expect(effects.slice(2)).toEqual([
      { type: "step", stepId: "stop", stepType: "exit", at: T0, detail },
      { type: "complete", at: T0 },
    ]);
  });
});

describe("cursor", () => {
  it("reads a run stored before nesting (numeric cursor, no reply fields)", () => {
    const legacy = { cursor: 1, status: "waiting", wakeAt: T0 + DAY } as unknown as RunState;
    expect(normalizeRun(legacy)).toEqual({
      cursor: [1],
      status: "waiting",
      wakeAt: T0 + DAY,
      waitingFor: "time",
      waitingSince: null,
      replies: [],
    });
    const flow = flowOf([
      send("a"),
      { id: "w", type: "wait", durationMs: DAY, duration: "1 day" },
      send("b"),
    ]);
    const { run, effects } = advance(flow, legacy, { type: "wake" }, T0 + DAY, { defaultTimezone: "UTC" });
    expect(run.status).toBe("completed");
    expect(effects.filter((e) => e.type === "send").map((e) => e.stepId)).toEqual(["b"]);
    expect(isWaitingForReply(legacy)).toBe(false);
  });

  it("a nested list that no longer exists (flow edited) counts as finished", () => {
    const flow = flowOf([send("a"), send("b")]);
    const stale: RunState = {
      ...waitingOnAnswer,
      cursor: [0, 1, 0],
      status: "active",
      wakeAt: null,
      waitingFor: null,
    };
    const { effects } = advance(flow, stale, { type: "wake" }, T0, { defaultTimezone: "UTC" });
    expect(effects.filter((e) => e.type === "send").map((e) => e.stepId)).toEqual(["b"]);
  });

  it("stays plain JSON", () => {
    const started = advance(ask, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" });
    const replied = advance(ask, started.run, reply("i", T0 + 1), T0 + 1, { defaultTimezone: "UTC" });
    for (const s of [started.run, replied.run]) expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});
