import { describe, expect, it } from "vitest";
import { advance, initialRun } from "../../../src/flows/interpreter.js";
import { cursorOfStep, moveProblems, moveRun, stepAtCursor } from "../../../src/flows/migrate.js";
import { parseFlow } from "../../../src/flows/parse.js";
import type { Flow } from "../../../src/flows/types.js";

const DAY = 24 * 3600_000;
const flow = (steps: string): Flow => {
  const parsed = parseFlow(
    `name: F\ntrigger: { event: registration }\nruns_in_flight: move\nsteps:\n${steps}`,
    "f.yaml",
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.flow;
};

const v1 = flow(`  - send: a
  - wait: 14 days
    id: pause
  - wait_for_reply: 5 days
    id: answer
    on_reply: [ { wait: 1 day, id: breather }, { send: b } ]
  - send: c
`);
const v2 = flow(`  - send: intro
  - send: a
  - wait: 7 days
    id: pause
  - send: new
  - wait_for_reply: 5 days
    id: answer
    on_reply: [ { send: thanks }, { wait: 2 days, id: breather }, { send: b } ]
  - send: c
`);

describe("moving runs between versions", () => {
  it("finds steps by cursor and cursors by step id, nested ones included", () => {
    expect(stepAtCursor(v1, [1])?.id).toBe("pause");
    expect(cursorOfStep(v2, "pause")).toEqual([2]);
    expect(cursorOfStep(v2, "breather")).toEqual([4, 0, 1]);
    expect(stepAtCursor(v2, [4, 0, 1])?.id).toBe("breather");
    expect(cursorOfStep(v2, "nope")).toBeNull();
  });

  it("moves a waiting run to the same step of the new version, which then goes on from there", () => {
    const waiting = advance(v1, initialRun(), { type: "start" }, 0, { defaultTimezone: "UTC" }).run;
    expect(waiting.cursor).toEqual([1]);
    const moved = moveRun(v1, v2, waiting);
    expect(moved).toMatchObject({ ok: true, state: { cursor: [2], wakeAt: 14 * DAY } });
    if (!moved.ok) return;
    const next = advance(v2, moved.state, { type: "wake" }, 14 * DAY, { defaultTimezone: "UTC" });
    expect(
      next.effects.filter((e) => e.type === "send").map((e) => (e.type === "send" ? e.template : "")),
    ).toEqual(["new"]);
  });

  it.each<[string, string, RegExp]>([
    ["the step is gone", "  - send: a\n  - send: c\n", /"pause" is not in the new version/],
    [
      "the step changed kind",
      "  - send: a\n  - send: z\n    id: pause\n",
      /"pause" is a send in the new version, not a wait/,
    ],
  ])("refuses when %s", (_what, steps, reason) => {
    const waiting = advance(v1, initialRun(), { type: "start" }, 0, { defaultTimezone: "UTC" }).run;
    expect(moveRun(v1, flow(steps), waiting)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(reason),
    });
  });

  it("lists what validate reports: every step a run can wait at, gone or changed", () => {
    expect(moveProblems(v1, v2)).toEqual([]);
    const v3 = flow("  - send: a\n  - send: x\n    id: pause\n  - send: c\n");
    expect(moveProblems(v1, v3)).toEqual([
      `step "pause" was a wait in version ${v1.version} and is a send now`,
      `runs waiting at step "answer" (wait_for_reply) in version ${v1.version} would find no such step`,
      `runs waiting at step "breather" (wait) in version ${v1.version} would find no such step`,
    ]);
  });
});
