/**
 * wait_until, wait_for, tag / untag / set, and the flow-level goal and exit_when rules.
 * Times are epoch ms; Date.UTC only spells them.
 */
import { describe, expect, it } from "vitest";
import {
  advance,
  FactsNeededError,
  initialRun,
  normalizeRun,
  waitingForEvent,
} from "../../../src/flows/interpreter.js";
import type {
  AdvanceInput,
  Condition,
  Effect,
  Flow,
  RunState,
  Step,
  TriggerFacts,
} from "../../../src/flows/types.js";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const MONDAY = Date.UTC(2026, 0, 12); // a Monday, 00:00Z
const iso = (ms: number) => new Date(ms).toISOString();

function flowOf(steps: Step[], extra: Partial<Flow> = {}): Flow {
  return {
    id: "test",
    name: "Test",
    version: "v1",
    file: "test.yaml",
    trigger: { event: "purchase" },
    entry: "once_per_product",
    steps,
    ...extra,
  };
}

const send = (id: string, template = id): Step => ({ id, type: "send", template });

function factsOf(customer: Record<string, unknown> = {}, ownership?: Record<string, unknown>): TriggerFacts {
  return {
    event: { type: "purchase", properties: {} },
    customer: { email: "ada@example.com", ...customer },
    product: { sku: "LYRA-RD-2780", category: "turntable", relationship: "one_time" },
    ownership,
  };
}

const sends = (effects: Effect[]) =>
  effects.flatMap((e) => (e.type === "send" ? [e.template] : e.type === "complete" ? ["(complete)"] : []));

describe("wait_until", () => {
  const weekdays = flowOf([
    send("hello"),
    { id: "office-hours", type: "wait_until", until: { at: "10:00", days: [0, 1, 2, 3, 4] } },
    send("later"),
  ]);

  it("waits until the next allowed weekday at the local time (customer's zone)", () => {
    const saturday = MONDAY - 2 * DAY + 12 * HOUR;
    const facts = factsOf({ timezone: "America/New_York" });
    const { run, effects } = advance(weekdays, initialRun(), { type: "start" }, saturday, {
      defaultTimezone: "UTC",
      facts,
    });
    const wakeAt = MONDAY + 15 * HOUR; // 10:00 EST
    expect(run).toEqual({
      cursor: [1],
      status: "waiting",
      wakeAt,
      waitingFor: "time",
      waitingSince: saturday,
      replies: [],
    });
    expect(effects.slice(2)).toEqual([
      { type: "schedule", stepId: "office-hours", at: wakeAt },
      {
        type: "step",
        stepId: "office-hours",
        stepType: "wait_until",
        at: saturday,
        detail: `until ${iso(wakeAt)}`,
      },
    ]);
  });

  it("uses opts.defaultTimezone when the customer has none, else UTC", () => {
    const saturday = MONDAY - 2 * DAY;
    const berlin = advance(weekdays, initialRun(), { type: "start" }, saturday, {
      facts: factsOf(),
      defaultTimezone: "Europe/Berlin",
    });
    expect(berlin.run.wakeAt).toBe(MONDAY + 9 * HOUR);
    const utc = advance(weekdays, initialRun(), { type: "start" }, saturday, {
      defaultTimezone: "UTC",
      facts: factsOf(),
    });
    expect(utc.run.wakeAt).toBe(MONDAY + 10 * HOUR);
  });

  it("wakes, then goes on; an early wake-up only re-schedules", () => {
    const waiting = advance(weekdays, initialRun(), { type: "start" }, MONDAY, {
      defaultTimezone: "UTC",
      facts: factsOf(),
    }).run;
    const early = advance(weekdays, waiting, { type: "wake" }, MONDAY + HOUR, {
      defaultTimezone: "UTC",
      facts: factsOf(),
    });
    expect(early).toEqual({
      run: waiting,
      effects: [{ type: "schedule", stepId: "office-hours", at: MONDAY + 10 * HOUR }],
    });
    const due = advance(weekdays, waiting, { type: "wake" }, MONDAY + 10 * HOUR, {
      defaultTimezone: "UTC",
      facts: factsOf(),
    });
    expect(sends(due.effects)).toEqual(["later", "(complete)"]);
  });

  it("waitScale shrinks the wait like any other", () => {
    const { run } = advance(weekdays, initialRun(), { type: "start" }, MONDAY, {
      defaultTimezone: "UTC",
      facts: factsOf(),
      waitScale: 0.001,
    });
    expect(run.wakeAt).toBe(MONDAY + Math.round(10 * HOUR * 0.001));
  });

  it("the day before the birthday", () => {
    const flow = flowOf([
      {
        id: "eve",
        type: "wait_until",
        until: { date: "customer.birthday", offsetMs: -DAY, offset: "-1 day", at: "09:00" },
      },
      send("tomorrow-is-the-day"),
    ]);
    const now = Date.UTC(2026, 5, 1);
    const { run } = advance(flow, initialRun(), { type: "start" }, now, {
      defaultTimezone: "UTC",
      facts: factsOf({ birthday: "1990-12-10", timezone: "Europe/Berlin" }),
    });
    expect(run.wakeAt).toBe(Date.UTC(2026, 11, 9, 8));
  });

  it("nothing to wait for (no birthday, or a date already past): records why and goes on", () => {
    const flow = flowOf([
      { id: "eve", type: "wait_until", until: { date: "customer.birthday", at: "09:00" } },
      {
        id: "month",
        type: "wait_until",
        until: { date: "ownership.started", offsetMs: 30 * DAY, at: "09:00" },
      },
      send("after"),
    ]);
    const now = Date.UTC(2026, 5, 1);
    const { run, effects } = advance(flow, initialRun(), { type: "start" }, now, {
      defaultTimezone: "UTC",
      facts: factsOf({}, { started: Date.UTC(2025, 0, 1) }),
    });
    expect(run.status).toBe("completed");
    expect(effects.filter((e) => e.type === "step").map((e) => (e as { detail?: string }).detail)).toEqual([
      "no wait: no customer.birthday known",
      "no wait: 2025-01-31T09:00:00.000Z has passed",
      "template after",
    ]);
  });

  it("works without facts for a plain time of day (UTC)", () => {
    const { run } = advance(weekdays, initialRun(), { type: "start" }, MONDAY, { defaultTimezone: "UTC" });
    expect(run.wakeAt).toBe(MONDAY + 10 * HOUR);
  });
});

describe("wait_for", () => {
  const flow = flowOf([
    send("thanks"),
    {
      id: "next-purchase",
      type: "wait_for",
      event: "purchase",
      timeoutMs: 30 * DAY,
      timeout: "30 days",
      onEvent: [send("welcome-back")],
      onTimeout: [send("we-miss-you")],
    },
    send("after"),
  ]);
  const T0 = Date.UTC(2026, 0, 1);
  const event = (eventId: string, at: number, eventType = "purchase"): AdvanceInput => ({
    type: "event",
    eventType,
    eventId,
    at,
  });
  const waiting: RunState = {
    cursor: [1],
    status: "waiting",
    wakeAt: T0 + 30 * DAY,
    waitingFor: "event",
    waitingSince: T0,
    replies: [],
    waitingForEvent: "purchase",
  };

  it("start: waits for the event until the timeout", () => {
    const { run, effects } = advance(flow, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" });
    expect(run).toEqual(waiting);
    expect(waitingForEvent(run)).toBe("purchase");
    expect(effects.slice(2)).toEqual([
      { type: "schedule", stepId: "next-purchase", at: T0 + 30 * DAY },
      {
        type: "step",
        stepId: "next-purchase",
        stepType: "wait_for",
        at: T0,
        detail: `waiting for a purchase event until ${iso(T0 + 30 * DAY)}`,
      },
    ]);
  });

  it("the event in time takes on_event, is recorded, then the flow carries on", () => {
    const { run, effects } = advance(flow, waiting, event("ev-1", T0 + DAY), T0 + DAY + 5, {
      defaultTimezone: "UTC",
    });
    expect(sends(effects)).toEqual(["welcome-back", "after", "(complete)"]);
    expect(effects[0]).toEqual({
      type: "step",
      stepId: "next-purchase",
      stepType: "wait_for",
      at: T0 + DAY + 5,
      detail: `event purchase ev-1 at ${iso(T0 + DAY)}; on_event`,
    });
    expect(run.status).toBe("completed");
    expect(run.events).toEqual([
      { stepId: "next-purchase", eventType: "purchase", eventId: "ev-1", at: T0 + DAY },
    ]);
    expect(waitingForEvent(run)).toBeNull();
  });

  it.each([
    ["another event type", event("ev-1", T0 + DAY, "registration"), waiting],
    ["an event from before the wait", event("ev-1", T0 - 1, "purchase"), waiting],
    ["an event at or after the timeout", event("ev-1", T0 + 30 * DAY), waiting],
    [
      "an event taken before",
      event("ev-0", T0 + DAY),
      { ...waiting, events: [{ stepId: "x", eventType: "purchase", eventId: "ev-0", at: T0 }] },
    ],
    ["a run not waiting for an event", event("ev-1", T0 + DAY), { ...waiting, waitingFor: "time" as const }],
    ["a completed run", event("ev-1", T0 + DAY), { ...waiting, status: "completed" as const }],
  ])("ignores %s (no effects, state unchanged)", (_name, input, state) => {
    expect(advance(flow, state, input, T0 + 2 * DAY, { defaultTimezone: "UTC" })).toEqual({
      run: state,
      effects: [],
    });
  });

  it("the timeout takes on_timeout", () => {
    const { effects } = advance(flow, waiting, { type: "wake" }, T0 + 30 * DAY, { defaultTimezone: "UTC" });
    expect(effects[0]).toEqual({
      type: "step",
      stepId: "next-purchase",
      stepType: "wait_for",
      at: T0 + 30 * DAY,
      detail: `no purchase event by ${iso(T0 + 30 * DAY)}; on_timeout`,
    });
    expect(sends(effects)).toEqual(["we-miss-you", "after", "(complete)"]);
  });

  it("an early wake-up only re-schedules", () => {
    expect(advance(flow, waiting, { type: "wake" }, T0 + DAY, { defaultTimezone: "UTC" })).toEqual({
      run: waiting,
      effects: [{ type: "schedule", stepId: "next-purchase", at: T0 + 30 * DAY }],
    });
  });
});

describe("tag, untag, set", () => {
  const flow = flowOf([
    { id: "mark", type: "tag", add: ["vip", "early"], remove: [] },
    { id: "unmark", type: "tag", add: [], remove: ["trial"] },
    {
      id: "tier",
      type: "set",
      values: [
        { field: "customer.attributes.source", value: "flow" },
        { field: "customer.attributes.tier", value: "gold" },
      ],
    },
    {
      id: "check",
      type: "branch",
      arms: [
        {
          when: {
            type: "all",
            conditions: [
              { type: "field", field: "customer.tags", is: { contains: "vip" } },
              {
                type: "not",
                condition: { type: "field", field: "customer.tags", is: { contains: "trial" } },
              },
              { type: "field", field: "customer.attributes.tier", is: "gold" },
            ],
          },
          steps: [send("vip-welcome")],
        },
        { when: null, steps: [send("plain")] },
      ],
    },
  ]);

  it("emits the effects in order, and later conditions in the same advance see the change", () => {
    const facts = factsOf({ tags: ["trial"], attributes: { tier: "silver" } });
    const { effects } = advance(flow, initialRun(), { type: "start" }, 0, { defaultTimezone: "UTC", facts });
    expect(effects.filter((e) => e.type !== "step" || e.stepType !== "branch").slice(0, 8)).toEqual([
      { type: "tag", stepId: "mark", add: ["vip", "early"], remove: [] },
      { type: "step", stepId: "mark", stepType: "tag", at: 0, detail: "add vip, early" },
      { type: "tag", stepId: "unmark", add: [], remove: ["trial"] },
      { type: "step", stepId: "unmark", stepType: "tag", at: 0, detail: "remove trial" },
      { type: "set", stepId: "tier", field: "customer.attributes.source", value: "flow" },
      { type: "set", stepId: "tier", field: "customer.attributes.tier", value: "gold" },
      {
        type: "step",
        stepId: "tier",
        stepType: "set",
        at: 0,
        detail: "customer.attributes.source = flow; customer.attributes.tier = gold",
      },
      { type: "send", stepId: "vip-welcome", template: "vip-welcome", category: "relationship" },
    ]);
    // The facts passed in are not changed.
    expect(facts.customer.tags).toEqual(["trial"]);
  });
});

describe("goal and exit_when", () => {
  const disposed: Condition = { type: "field", field: "ownership.status", is: "disposed" };
  const bought: Condition = { type: "owns", category: "amplifier" };
  const flow = flowOf(
    [send("first"), { id: "pause", type: "wait", durationMs: 7 * DAY, duration: "7 days" }, send("second")],
    {
      exitWhen: disposed,
      goal: bought,
    },
  );
  const active = factsOf({}, { status: "active" });
  const gone = factsOf({}, { status: "disposed" });
  const converted: TriggerFacts = {
    ...active,
    ownerships: [{ sku: "AMP-1", category: "amplifier", status: "active", startedAt: 0, kind: "purchase" }],
  };

  it("neither holds: the flow runs as usual", () => {
    const { run, effects } = advance(flow, initialRun(), { type: "start" }, 0, {
      defaultTimezone: "UTC",
      facts: active,
    });
    expect(sends(effects)).toEqual(["first"]);
    expect(run.status).toBe("waiting");
  });

  it("exit_when holding at the start ends the run before the first step", () => {
    const { run, effects } = advance(flow, initialRun(), { type: "start" }, 0, {
      defaultTimezone: "UTC",
      facts: gone,
    });
    expect(effects).toEqual([
      {
        type: "step",
        stepId: "exit_when",
        stepType: "exit_when",
        at: 0,
        detail: "exit_when holds: ownership.status = disposed",
      },
      { type: "complete", at: 0, outcome: "exited" },
    ]);
    expect(run).toEqual({ ...initialRun(), status: "completed", outcome: "exited" });
  });

  it("checked when a waiting run wakes: a disposal during the wait ends it", () => {
    const waiting = advance(flow, initialRun(), { type: "start" }, 0, {
      defaultTimezone: "UTC",
      facts: active,
    }).run;
    const { run, effects } = advance(flow, waiting, { type: "wake" }, 7 * DAY, {
      defaultTimezone: "UTC",
      facts: gone,
    });
    expect(sends(effects)).toEqual(["(complete)"]);
    expect(run).toMatchObject({ status: "completed", outcome: "exited", cursor: [1], wakeAt: null });
  });

  it("the goal wins over exit_when and marks the run converted", () => {
    const waiting = advance(flow, initialRun(), { type: "start" }, 0, {
      defaultTimezone: "UTC",
      facts: active,
    }).run;
    const { run, effects } = advance(flow, waiting, { type: "wake" }, 7 * DAY, {
      defaultTimezone: "UTC",
      facts: { ...converted, ownership: { status: "disposed" } },
    });
    expect(effects).toEqual([
      {
        type: "step",
        stepId: "goal",
        stepType: "goal",
        at: 7 * DAY,
        detail: "goal reached: owns category amplifier",
      },
      { type: "complete", at: 7 * DAY, outcome: "converted" },
    ]);
    expect(run.outcome).toBe("converted");
  });

  it("checked before every step, not only at the start of an advance", () => {
    // The goal becomes true through the flow's own tag step.
    const tagged = flowOf(
      [{ id: "mark", type: "tag", add: ["reviewed"], remove: [] }, send("ask-for-review")],
      {
        goal: { type: "field", field: "customer.tags", is: { contains: "reviewed" } },
      },
    );
    const { effects } = advance(tagged, initialRun(), { type: "start" }, 0, {
      defaultTimezone: "UTC",
      facts: factsOf(),
    });
    expect(sends(effects)).toEqual(["(complete)"]);
    expect(effects.at(-1)).toEqual({ type: "complete", at: 0, outcome: "converted" });
  });

  it("throws when it tests a field and no facts were given (the caller's mistake)", () => {
    expect(() => advance(flow, initialRun(), { type: "start" }, 0, { defaultTimezone: "UTC" })).toThrow(
      /goal: the condition "owns category amplifier"/,
    );
  });

  it("relative dates in rules are measured from `now`", () => {
    const recent = flowOf([send("a")], {
      exitWhen: { type: "field", field: "ownership.started", is: { before: "30 days ago" } },
    });
    const started = Date.UTC(2026, 0, 1);
    const facts = factsOf({}, { started });
    expect(
      advance(recent, initialRun(), { type: "start" }, started + 29 * DAY, { defaultTimezone: "UTC", facts })
        .run.outcome,
    ).toBeUndefined();
    expect(
      advance(recent, initialRun(), { type: "start" }, started + 31 * DAY, { defaultTimezone: "UTC", facts })
        .run.outcome,
    ).toBe("exited");
  });
});

describe("stored states", () => {
  it("normalizeRun keeps new fields and leaves old states without them", () => {
    const old = { cursor: 2, status: "waiting", wakeAt: 5 } as unknown as RunState;
    expect(normalizeRun(old)).toEqual({
      cursor: [2],
      status: "waiting",
      wakeAt: 5,
      waitingFor: "time",
      waitingSince: null,
      replies: [],
    });
    const now: RunState = {
      cursor: [1],
      status: "waiting",
      wakeAt: 9,
      waitingFor: "event",
      waitingSince: 1,
      replies: [],
      waitingForEvent: "purchase",
      events: [{ stepId: "a", eventType: "purchase", eventId: "e", at: 1 }],
    };
    expect(normalizeRun(now)).toEqual(now);
    expect(normalizeRun(JSON.parse(JSON.stringify(now)) as RunState)).toEqual(now);
  });
});

describe("facts on demand: an advance given no facts stops where it would read them", () => {
  const wait: Step = { id: "pause", type: "wait", durationMs: DAY, duration: "1 day" };
  const until: Step = { id: "nine", type: "wait_until", until: { at: "09:00" } };
  const vip: Condition = { type: "field", field: "customer.tags", is: { contains: "vip" } };
  const branch: Step = { id: "check", type: "branch", arms: [{ when: vip, steps: [send("vip-note")] }] };
  const parkedAfter = (flow: Flow, at: number): RunState =>
    advance(flow, initialRun(), { type: "start" }, at, { facts: factsOf(), defaultTimezone: "UTC" }).run;

  it.each([
    { name: "a wait_until entered", steps: [until, send("hello")], needs: true },
    { name: "a field condition in a branch", steps: [branch], needs: true },
    { name: "a wait and a send (no field read)", steps: [wait, send("hello")], needs: false },
  ])("on start: $name → needs facts: $needs", ({ steps, needs }) => {
    const flow = flowOf(steps);
    const go = () =>
      advance(flow, initialRun(), { type: "start" }, MONDAY, { factsOnDemand: true, defaultTimezone: "UTC" });
    if (needs) expect(go).toThrow(FactsNeededError);
    else expect(sends(go().effects)).toEqual([]);
  });

  it("a wake-up past a wait_until that only sends reads no facts; one reaching a branch does", () => {
    const plain = flowOf([until, send("hello")]);
    const waiting = parkedAfter(plain, MONDAY);
    expect(waiting.status).toBe("waiting");
    const woken = advance(plain, waiting, { type: "wake" }, (waiting.wakeAt as number) + 1, {
      factsOnDemand: true,
      defaultTimezone: "UTC",
    });
    expect(sends(woken.effects)).toEqual(["hello", "(complete)"]);

    const branching = flowOf([until, branch]);
    const parked = parkedAfter(branching, MONDAY);
    const wake = () =>
      advance(branching, parked, { type: "wake" }, (parked.wakeAt as number) + 1, {
        factsOnDemand: true,
        defaultTimezone: "UTC",
      });
    expect(wake).toThrow(FactsNeededError);
    // Decided again with the facts, as the step job does: the same advance, now complete.
    const withFacts = advance(branching, parked, { type: "wake" }, (parked.wakeAt as number) + 1, {
      facts: factsOf({ tags: ["vip"] }),
      defaultTimezone: "UTC",
    });
    expect(sends(withFacts.effects)).toEqual(["vip-note", "(complete)"]);
  });

  it("exit_when on a field needs them at every advance, a wait's wake-up included", () => {
    const flow = flowOf([wait, send("second")], {
      exitWhen: { type: "field", field: "ownership.status", is: "disposed" },
    });
    const parked = parkedAfter(flow, MONDAY);
    expect(() =>
      advance(flow, parked, { type: "wake" }, MONDAY + 2 * DAY, {
        factsOnDemand: true,
        defaultTimezone: "UTC",
      }),
    ).toThrow(FactsNeededError);
  });
});
