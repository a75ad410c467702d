import { describe, expect, it } from "vitest";
import { advance, initialRun } from "../../../src/flows/interpreter.js";
import type { Effect, Flow, RunState, Step } from "../../../src/flows/types.js";

const DAY = 24 * 60 * 60 * 1000;
const WEEK = 7 * DAY;

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

const thankYou = flowOf([
  { id: "thank-you", type: "send", template: "thank-you" },
  { id: "two-weeks", type: "wait", durationMs: 14 * DAY, duration: "14 days" },
  { id: "check-in", type: "send", template: "check-in" },
]);

const T0 = 1_000_000;

/** A run state in today's shape; waiting states wait for time unless told otherwise. */
function state(
  cursor: number[],
  status: RunState["status"],
  wakeAt: number | null,
  over: Partial<RunState> = {},
): RunState {
  const waiting = status === "waiting";
  return {
    cursor,
    status,
    wakeAt,
    waitingFor: waiting ? "time" : null,
    waitingSince: waiting ? T0 : null,
    replies: [],
    ...over,
  };
}

describe("advance", () => {
  it("initialRun is active at the first step", () => {
    expect(initialRun()).toEqual(state([0], "active", null));
  });

  it("start: sends the first template, then schedules the wait", () => {
    const { run, effects } = advance(thankYou, initialRun(), { type: "start" }, T0, {
      defaultTimezone: "UTC",
    });
    expect(run).toEqual(state([1], "waiting", T0 + 14 * DAY));
    expect(effects).toEqual([
      { type: "send", stepId: "thank-you", template: "thank-you", category: "relationship" },
      { type: "step", stepId: "thank-you", stepType: "send", at: T0, detail: "template thank-you" },
      { type: "schedule", stepId: "two-weeks", at: T0 + 14 * DAY },
      {
        type: "step",
        stepId: "two-weeks",
        stepType: "wait",
        at: T0,
        detail: "until 1970-01-15T00:16:40.000Z",
      },
    ]);
  });

  it("early wake: only the same schedule again, no send, no step, state unchanged", () => {
    const waiting: RunState = state([1], "waiting", T0 + 14 * DAY);
    const { run, effects } = advance(thankYou, waiting, { type: "wake" }, T0 + DAY, {
      defaultTimezone: "UTC",
    });
    expect(run).toEqual(waiting);
    expect(effects).toEqual([{ type: "schedule", stepId: "two-weeks", at: T0 + 14 * DAY }]);
  });

  it("on-time wake: sends the next template, then completes", () => {
    const waiting: RunState = state([1], "waiting", T0 + 14 * DAY);
    const now = T0 + 14 * DAY;
    const { run, effects } = advance(thankYou, waiting, { type: "wake" }, now, { defaultTimezone: "UTC" });
    expect(run).toEqual(state([3], "completed", null));
    expect(effects).toEqual([
      { type: "send", stepId: "check-in", template: "check-in", category: "relationship" },
      { type: "step", stepId: "check-in", stepType: "send", at: now, detail: "template check-in" },
      { type: "complete", at: now },
    ]);
  });

  it("late wake behaves like an on-time one", () => {
    const waiting: RunState = state([1], "waiting", T0);
    const { run, effects } = advance(thankYou, waiting, { type: "wake" }, T0 + 3 * DAY, {
      defaultTimezone: "UTC",
    });
    expect(run.status).toBe("completed");
    expect(effects.filter((e) => e.type === "send")).toHaveLength(1);
  });

  const scales: Array<[number, number]> = [
    [1, 14 * DAY],
    [0.001, Math.round(14 * DAY * 0.001)],
    [1 / 3, Math.round((14 * DAY) / 3)],
    [0, 0],
  ];
  it.each(scales)("waitScale %d schedules the wait %i ms ahead", (waitScale, ms) => {
    const { run, effects } = advance(thankYou, initialRun(), { type: "start" }, T0, {
      defaultTimezone: "UTC",
      waitScale,
    });
    expect(run.wakeAt).toBe(T0 + ms);
    expect(effects).toContainEqual({ type: "schedule", stepId: "two-weeks", at: T0 + ms });
  });

  it("refuses a nonsensical waitScale", () => {
    expect(() =>
      advance(thankYou, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC", waitScale: -1 }),
    ).toThrow(RangeError);
    expect(() =>
      advance(thankYou, initialRun(), { type: "start" }, T0, {
        defaultTimezone: "UTC",
        waitScale: Number.NaN,
      }),
    ).toThrow(RangeError);
  });

  const finished: RunState[] = [state([3], "completed", null), state([1], "failed", null)];
  it.each(finished)("a $status run is left alone", (state) => {
    for (const input of [{ type: "start" }, { type: "wake" }] as const) {
      const result = advance(thankYou, state, input, T0 + 100 * DAY, { defaultTimezone: "UTC" });
      expect(result.run).toEqual(state);
      expect(result.effects).toEqual([]);
    }
  });

  it("a flow of only sends completes in one advance", () => {
    const flow = flowOf([
      { id: "a", type: "send", template: "a" },
      { id: "b", type: "send", template: "b" },
    ]);
    const { run, effects } = advance(flow, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" });
    expect(run).toEqual(state([2], "completed", null));
    expect(effects.map((e) => e.type)).toEqual(["send", "step", "send", "step", "complete"]);
  });

  it("two waits in a row each get their own full duration", () => {
    const flow = flowOf([
      { id: "w1", type: "wait", durationMs: DAY, duration: "1 day" },
      { id: "w2", type: "wait", durationMs: 2 * DAY, duration: "2 days" },
    ]);
    const first = advance(flow, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" });
    expect(first.run).toEqual(state([0], "waiting", T0 + DAY));
    const second = advance(flow, first.run, { type: "wake" }, T0 + DAY, { defaultTimezone: "UTC" });
    expect(second.run).toEqual(state([1], "waiting", T0 + 3 * DAY, { waitingSince: T0 + DAY }));
    const third = advance(flow, second.run, { type: "wake" }, T0 + 3 * DAY, { defaultTimezone: "UTC" });
    expect(third.run.status).toBe("completed");
  });

  it("a retried start on a waiting run does not send again", () => {
    const first = advance(thankYou, initialRun(), { type: "start" }, T0, { defaultTimezone: "UTC" });
    const retry = advance(thankYou, first.run, { type: "start" }, T0 + 5, { defaultTimezone: "UTC" });
    expect(retry.run).toEqual(first.run);
    expect(retry.effects).toEqual([{ type: "schedule", stepId: "two-weeks", at: T0 + 14 * DAY }]);
  });

  it("a cursor past the end (flow shortened under a run) completes", () => {
    const { run, effects } = advance(thankYou, state([7], "active", null), { type: "wake" }, T0, {
      defaultTimezone: "UTC",
    });
    expect(run).toEqual(state([7], "completed", null));
    expect(effects).toEqual([{ type: "complete", at: T0 }]);
  });

  it("does not modify the run it is given", () => {
    const state = initialRun();
    const copy = structuredClone(state);
    advance(thankYou, state, { type: "start" }, T0, { defaultTimezone: "UTC" });
    expect(state).toEqual(copy);
  });

  it("drives a year of weekly emails, with early wake-ups in between", () => {
    const steps: Step[] = [];
    for (let week = 1; week <= 52; week++) {
      steps.push({ id: `week-${week}`, type: "send", template: `week-${week}` });
      steps.push({ id: `pause-${week}`, type: "wait", durationMs: WEEK, duration: "1 week" });
    }
    steps.push({ id: "goodbye", type: "send", template: "goodbye" });
    const flow = flowOf(steps);

    let run = initialRun();
    let now = T0;
    let input: { type: "start" } | { type: "wake" } = { type: "start" };
    const all: Effect[] = [];
    for (let round = 0; round < 500 && run.status !== "completed"; round++) {
      const result = advance(flow, run, input, now, { defaultTimezone: "UTC" });
      all.push(...result.effects);
      run = result.run;
      input = { type: "wake" };
      if (run.status === "waiting" && run.wakeAt !== null) {
        // A spurious early wake-up before each real one: it must change nothing.
        const early = advance(flow, run, input, run.wakeAt - 1, { defaultTimezone: "UTC" });
        expect(early.run).toEqual(run);
        expect(early.effects).toEqual([{ type: "schedule", stepId: expect.any(String), at: run.wakeAt }]);
        now = run.wakeAt;
      }
    }

    expect(run).toEqual(state([steps.length], "completed", null));
    const sends = all.filter((e) => e.type === "send");
    expect(sends).toHaveLength(53);
    expect(sends.at(-1)).toEqual({
      type: "send",
      stepId: "goodbye",
      template: "goodbye",
      category: "relationship",
    });
    expect(now).toBe(T0 + 52 * WEEK);
    expect(all.filter((e) => e.type === "complete")).toEqual([{ type: "complete", at: T0 + 52 * WEEK }]);
    expect(all.filter((e) => e.type === "step" && e.stepType === "wait")).toHaveLength(52);
  });
});
