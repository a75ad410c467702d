/**
 * Moving a run under way to a new version of its flow (`runs_in_flight: move`): the run
 * goes on at the step with the same id in the new version. Pure.
 *
 * Contract:
 *   - stepAtCursor(flow, cursor): the step a cursor points at, or undefined.
 *   - cursorOfStep(flow, stepId): the cursor of the step with that id, or null.
 *   - moveRun(from, to, state): the state in `to` terms, or why it cannot move: the step
 *     the run is at must exist in `to` with the same type (a run waiting at a `wait` must
 *     still be at a `wait`). Runs that ended, or that have not started, move as they are.
 *   - parkableSteps(flow): the steps a run can be parked at (waits of every kind): what a
 *     new version must keep for `move` to take every run along (checked by validate).
 */
import { allSteps, subLists } from "./steps.js";
import type { Cursor, Flow, RunState, Step } from "./types.js";

export function stepAtCursor(flow: Flow, cursor: Cursor): Step | undefined {
  let steps: readonly Step[] = flow.steps;
  let index = cursor[0] ?? 0;
  for (let i = 1; i + 1 < cursor.length; i += 2) {
    const owner = steps[index];
    const list = owner ? subLists(owner)[cursor[i] as number] : undefined;
    if (!list) return undefined;
    steps = list.steps;
    index = cursor[i + 1] as number;
  }
  return steps[index];
}

export function cursorOfStep(flow: Flow, stepId: string): Cursor | null {
  const find = (steps: readonly Step[], prefix: number[]): Cursor | null => {
    for (const [i, step] of steps.entries()) {
      if (step.id === stepId) return [...prefix, i];
      for (const [k, list] of subLists(step).entries()) {
        const found = find(list.steps, [...prefix, i, k]);
        if (found) return found;
      }
    }
    return null;
  };
  return find(flow.steps, []);
}

export type MoveResult = { ok: true; state: RunState } | { ok: false; reason: string };

export function moveRun(from: Flow, to: Flow, state: RunState): MoveResult {
  if (state.status === "completed" || state.status === "failed") return { ok: true, state };
  const here = stepAtCursor(from, state.cursor);
  if (!here) {
    return state.status === "active" && state.cursor.length === 1 && state.cursor[0] === 0
      ? { ok: true, state }
      : { ok: false, reason: "its place in the old version cannot be found" };
  }
  const there = cursorOfStep(to, here.id);
  if (!there) return { ok: false, reason: `step "${here.id}" is not in the new version` };
  const step = stepAtCursor(to, there);
  if (step?.type !== here.type) {
    return {
      ok: false,
      reason: `step "${here.id}" is a ${step?.type} in the new version, not a ${here.type}`,
    };
  }
  return { ok: true, state: { ...state, cursor: there } };
}

const PARKABLE = new Set<Step["type"]>(["wait", "wait_for_reply", "wait_until", "wait_for"]);

export function parkableSteps(flow: Flow): Step[] {
  return allSteps(flow.steps).filter((s) => PARKABLE.has(s.type));
}

/** Why runs parked in `from` could not move to `to`: one line per step that has nowhere to go. */
export function moveProblems(from: Flow, to: Flow): string[] {
  const problems: string[] = [];
  for (const step of parkableSteps(from)) {
    const there = cursorOfStep(to, step.id);
    const same = there ? stepAtCursor(to, there) : undefined;
    if (!same) {
      problems.push(
        `runs waiting at step "${step.id}" (${step.type}) in version ${from.version} would find no such step`,
      );
    } else if (same.type !== step.type) {
      problems.push(
        `step "${step.id}" was a ${step.type} in version ${from.version} and is a ${same.type} now`,
      );
    }
  }
  return problems;
}
