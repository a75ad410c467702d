import { describe, expect, it } from "vitest";
import { parseFlow } from "../../../src/flows/parse.js";
import { simulate, simulateFlow } from "../../../src/flows/simulate.js";
import type { Flow } from "../../../src/flows/types.js";

const DAY = 24 * 3600_000;
const T0 = Date.UTC(2026, 0, 1);

function flow(yaml: string): Flow {
  const parsed = parseFlow(yaml, "sim.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.flow;
}

const question = flow(`name: Q
trigger: { event: registration }
steps:
  - wait: 3 days
  - send: question
  - wait_for_reply: 10 days
    on_reply: [ { send: thanks } ]
    on_timeout: [ { send: reminder } ]
  - wait: 1 day
  - send: tips
`);

const sends = (entries: ReturnType<typeof simulateFlow>) =>
  entries.filter((e) => e.kind === "send").map((e) => [(e.at - T0) / DAY, e.detail]);

describe("simulateFlow", () => {
  it.each<[string, number[], Array<[number, string]>]>([
    [
      "nobody answers",
      [],
      [
        [3, "question"],
        [13, "reminder"],
        [14, "tips"],
      ],
    ],
    [
      "an answer on day 5",
      [T0 + 5 * DAY],
      [
        [3, "question"],
        [5, "thanks"],
        [6, "tips"],
      ],
    ],
    [
      "an answer before the question is ignored",
      [T0 + 1 * DAY],
      [
        [3, "question"],
        [13, "reminder"],
        [14, "tips"],
      ],
    ],
    [
      "an answer after the window is ignored",
      [T0 + 20 * DAY],
      [
        [3, "question"],
        [13, "reminder"],
        [14, "tips"],
      ],
    ],
  ])("%s", (_what, replies, expected) => {
    expect(sends(simulateFlow(question, { start: T0, until: T0 + 400 * DAY, replies }))).toEqual(expected);
  });

  it("stops at the end of the simulated time, saying what it still waits for", () => {
    const out = simulateFlow(question, { start: T0, until: T0 + 5 * DAY });
    expect(sends(out)).toEqual([[3, "question"]]);
    expect(out.at(-1)).toMatchObject({ kind: "stopped", at: T0 + 5 * DAY });
    expect(out.at(-1)?.detail).toMatch(/still waiting/);
  });

  it("ends with the run", () => {
    const out = simulateFlow(question, { start: T0, until: T0 + 400 * DAY });
    expect(out.at(-1)).toMatchObject({ kind: "end", at: T0 + 14 * DAY });
  });
});

describe("simulate: the send policy as delivery applies it", () => {
  it("moves relationship emails into the window and under the cap; transactional ones go when due", () => {
    // 2026-01-01 is a Thursday. Window: weekdays 09:00-17:00 UTC; at most 1 email in 2 days.
    const policy = {
      window: { start: "09:00", end: "17:00", days: [0, 1, 2, 3, 4] },
      cap: { max: 1, perMs: 2 * DAY },
    };
    const run = (f: Flow) =>
      simulate({
        flow: f,
        start: T0,
        until: T0 + 400 * DAY,
        facts: { event: { type: "registration", properties: {} }, customer: {} },
        replies: [T0 + 5 * DAY],
        waitScale: 1,
        timezone: "UTC",
        defaultTimezone: "UTC",
        policy,
      }).filter((e) => e.kind === "send");
    const at = (ms: number | undefined) => new Date(ms as number).toISOString().slice(0, 16);
    expect(run(question).map((e) => [e.detail, at(e.at), at(e.deliveredAt)])).toEqual([
      ["question", "2026-01-04T00:00", "2026-01-05T09:00"], // Sunday → Monday 09:00
      ["thanks", "2026-01-06T00:00", "2026-01-07T09:00"], // the cap frees Wed 09:00
      ["tips", "2026-01-07T00:00", "2026-01-09T09:00"], // two days after thanks
    ]);
    const transactional = run({ ...question, transactional: true });
    expect(transactional.every((e) => e.deliveredAt === e.at)).toBe(true);
  });
});
