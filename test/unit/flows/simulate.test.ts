import { describe, expect, it } from "vitest";
import { parseFlow } from "../../../src/flows/parse.js";
import { simulateFlow } from "../../../src/flows/simulate.js";
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
