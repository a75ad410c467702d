/**
 * The dashboard's numbers for one flow, from the store's grouped run counts (pure):
 * runs now at each step (active or waiting, on the flow's current version), and the
 * totals: started, completed, exited (a completed run that an exit step or exit_when
 * ended), converted (goal), failed, and runs still going on earlier versions (their
 * cursor points into a different list of steps, so they are not placed on this one).
 *
 * A run's cursor (src/flows/types.ts) is a path: [i] is flow.steps[i], each further pair
 * (sub-list, index) goes into a sub-list of the step reached. An index past the end of
 * its list (the run is between its last step and the end) counts as "at the end".
 */
import { subLists } from "../../flows/steps.js";
import type { Flow, Step } from "../../flows/types.js";
import type { FlowRunCount } from "../../store/store.js";

export interface FlowNumbers {
  /** Step id → runs now at it (active or waiting). */
  atStep: Map<string, number>;
  /** Runs under way whose cursor is past the end of a list: finishing. */
  atEnd: number;
  started: number;
  completed: number;
  exited: number;
  converted: number;
  failed: number;
  /** Runs under way on an earlier version of the flow. */
  earlierVersions: number;
}

/** The step a cursor points at in `steps`, or null when it points past a list's end. */
export function stepAt(steps: readonly Step[], cursor: readonly number[]): Step | null {
  let list = steps;
  let step: Step | null = null;
  for (let i = 0; i < cursor.length; i += 2) {
    const at = cursor[i];
    if (at === undefined) return null;
    step = list[at] ?? null;
    if (!step) return null;
    const sub = cursor[i + 1];
    if (sub === undefined) return step;
    const next = subLists(step)[sub];
    if (!next) return null;
    list = next.steps;
  }
  return step;
}

export function flowNumbers(flow: Flow, counts: readonly FlowRunCount[]): FlowNumbers {
  const n: FlowNumbers = {
    atStep: new Map(),
    atEnd: 0,
    started: 0,
    completed: 0,
    exited: 0,
    converted: 0,
    failed: 0,
    earlierVersions: 0,
  };
  for (const c of counts) {
    if (c.flowId !== flow.id) continue;
    n.started += c.runs;
    const current = c.flowVersion === flow.version;
    const step = current && c.cursor ? stepAt(flow.steps, c.cursor) : null;
    if (c.status === "failed") n.failed += c.runs;
    else if (c.status === "completed") {
      n.completed += c.runs;
      // An exit step leaves the cursor on itself; exit_when sets the outcome.
      if (c.outcome === "exited" || step?.type === "exit") n.exited += c.runs;
      if (c.outcome === "converted") n.converted += c.runs;
    } else if (!current) n.earlierVersions += c.runs;
    else if (step) n.atStep.set(step.id, (n.atStep.get(step.id) ?? 0) + c.runs);
    else n.atEnd += c.runs;
  }
  return n;
}
