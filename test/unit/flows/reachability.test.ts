import { describe, expect, it } from "vitest";
import { formatFlowError, parseFlow } from "../../../src/flows/parse.js";
import { unreachableSteps } from "../../../src/flows/reachability.js";

const check = (yaml: string) => {
  const parsed = parseFlow(yaml, "f.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return unreachableSteps(parsed.flow).map(formatFlowError);
};

describe("unreachable steps", () => {
  it.each<[string, string, string[]]>([
    ["none", "steps:\n  - send: a\n  - exit\n", []],
    [
      "steps after an exit at the top",
      "steps:\n  - send: a\n  - exit: done\n  - send: b\n  - send: c\n",
      [
        'f.yaml:6:5: steps[2]: unreachable: step "send-3" and the 1 after it come after the exit "exit-2" in the same list, so no run ever gets there; remove them, or put the exit inside a branch',
      ],
    ],
    [
      "a step after an exit inside a branch arm",
      "steps:\n  - branch:\n      - if: { replied: true }\n        then:\n          - exit\n          - send: b\n  - send: c\n",
      [
        'f.yaml:8:13: steps[0].branch[0].then[1]: unreachable: step "branch-1.then-1.send-2" comes after the exit "branch-1.then-1.exit-1" in the same list, so no run ever gets there; remove it, or put the exit inside a branch',
      ],
    ],
  ])("%s", (_what, steps, expected) => {
    expect(check(`name: F\ntrigger: { event: registration }\n${steps}`)).toEqual(expected);
  });
});
