import { describe, expect, it } from "vitest";
import { parseFlow } from "../../../../src/flows/parse.js";
import type { Flow } from "../../../../src/flows/types.js";
import { flowNumbers, stepAt } from "../../../../src/http/ui/flow-counts.js";
import type { FlowRunCount } from "../../../../src/store/store.js";

function flow(yaml: string): Flow {
  const parsed = parseFlow(yaml, "counts-test.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.flow;
}

const f = flow(`name: Ask
trigger: { event: registration }
exit_when: { ownership.status: disposed }
steps:
  - send: thank-you
    id: thanks
  - wait_for_reply: 10 days
    id: ask
    on_reply:
      - send: check-in
        id: answered
      - exit: done talking
        id: bye
    on_timeout:
      - send: check-in
        id: nudge
  - wait: 14 days
    id: later
`);

const count = (over: Partial<FlowRunCount>): FlowRunCount => ({
  flowId: f.id,
  flowVersion: f.version,
  status: "waiting",
  cursor: [0],
  outcome: null,
  runs: 1,
  ...over,
});

describe("the dashboard's flow numbers", () => {
  it("finds the step a cursor points at, nested lists included", () => {
    expect(stepAt(f.steps, [0])?.id).toBe("thanks");
    expect(stepAt(f.steps, [1, 0, 1])?.id).toBe("bye");
    expect(stepAt(f.steps, [1, 1, 0])?.id).toBe("nudge");
    expect(stepAt(f.steps, [3])).toBeNull();
    expect(stepAt(f.steps, [1, 0, 2])).toBeNull();
    expect(stepAt(f.steps, [1, 5, 0])).toBeNull();
  });

  it("counts runs at each step, and started / completed / exited / converted / failed", () => {
    const n = flowNumbers(f, [
      count({ cursor: [1], runs: 4 }),
      count({ cursor: [1, 1, 0], status: "active", runs: 2 }),
      count({ cursor: [3], status: "active" }),
      count({ cursor: [1, 0, 1], status: "completed", runs: 3 }),
      count({ cursor: [2], status: "completed", outcome: "exited", runs: 2 }),
      count({ cursor: [2], status: "completed", outcome: "converted" }),
      count({ cursor: [2], status: "completed" }),
      count({ cursor: null, status: "failed", runs: 5 }),
      count({ flowVersion: "older", cursor: [0], runs: 7 }),
      count({ flowId: "another", runs: 100 }),
    ]);
    expect(Object.fromEntries(n.atStep)).toEqual({ ask: 4, nudge: 2 });
    expect(n).toMatchObject({
      atEnd: 1,
      started: 4 + 2 + 1 + 3 + 2 + 1 + 1 + 5 + 7,
      completed: 3 + 2 + 1 + 1,
      exited: 3 + 2,
      converted: 1,
      failed: 5,
      earlierVersions: 7,
    });
  });
});
