/**
 * Steps no run can ever reach: those after an `exit` in the same list. A flow with one
 * is almost always a mistake (an exit pasted too early, or meant inside a branch).
 *
 * Contract: unreachableSteps(flow) → one FlowError per first unreachable step of a list,
 * at that step's position, naming the exit that cuts it off. Pure.
 */
import type { FlowError } from "./errors.js";
import { subLists } from "./steps.js";
import type { Flow, Step } from "./types.js";

export function unreachableSteps(flow: Flow): FlowError[] {
  const errors: FlowError[] = [];
  const visit = (steps: readonly Step[]) => {
    const exitAt = steps.findIndex((s) => s.type === "exit");
    const cut = exitAt >= 0 ? steps[exitAt + 1] : undefined;
    if (cut && exitAt >= 0) {
      const exit = steps[exitAt] as Step;
      const placed = flow.positions?.steps.find((p) => p.id === cut.id);
      const left = steps.length - exitAt - 1;
      errors.push({
        file: flow.file,
        line: placed?.step.line ?? 1,
        col: placed?.step.col ?? 1,
        path: placed?.path ?? cut.id,
        message:
          `unreachable: step "${cut.id}"${left > 1 ? ` and the ${left - 1} after it come` : " comes"} after ` +
          `the exit "${exit.id}" in the same list, so no run ever gets there; remove ${left > 1 ? "them" : "it"}, ` +
          "or put the exit inside a branch",
      });
    }
    for (const step of steps.slice(0, exitAt >= 0 ? exitAt : steps.length)) {
      for (const list of subLists(step)) visit(list.steps);
    }
  };
  visit(flow.steps);
  return errors;
}
