/**
 * Step lists nest (a wait_for_reply's on_reply / on_timeout, a wait_for's
 * on_event / on_timeout, a branch's arms); these
 * helpers name and walk them the same way everywhere (parser, checks, interpreter).
 *
 * Contract:
 *   - subLists(step) are the step's nested lists, in cursor order (see Cursor in types.ts)
 *     with the name each has in the file ("on_reply", "on_timeout", "then-1", "else").
 *   - defaultStepId(type, index, parentListId) is the id of a step the author did not name:
 *     "<type>-<n>" at the top (n = 1-based place in its list, as before nesting existed),
 *     "<parent id>.<list name>.<type>-<n>" inside a nested list, e.g. "answer.on_reply.send-1"
 *     or "branch-2.then-1.send-1". Ids chosen by authors cannot contain ".", so automatic
 *     nested ids never clash with chosen ones, and they stay stable when steps elsewhere
 *     in the flow are added or removed.
 *   - walkSteps(steps, visit) visits every step, a step before its sub-steps, with its
 *     setting path in the file (["steps", 1, "on_reply", 0]).
 */
import type { Step, StepType } from "./types.js";

export interface SubList {
  /** The list's name in step ids and messages: on_reply, on_timeout, then-<k>, else. */
  name: string;
  /** The setting path of the list relative to the step (["on_reply"], ["branch", 0, "then"]). */
  path: PropertyKey[];
  steps: Step[];
}

export function subLists(step: Step): SubList[] {
  switch (step.type) {
    case "wait_for_reply":
      return [
        { name: "on_reply", path: ["on_reply"], steps: step.onReply },
        { name: "on_timeout", path: ["on_timeout"], steps: step.onTimeout },
      ];
    case "wait_for":
      return [
        { name: "on_event", path: ["on_event"], steps: step.onEvent },
        { name: "on_timeout", path: ["on_timeout"], steps: step.onTimeout },
      ];
    case "branch":
      return step.arms.map((arm, k) =>
        arm.when === null
          ? { name: "else", path: ["branch", k, "else"], steps: arm.steps }
          : { name: `then-${k + 1}`, path: ["branch", k, "then"], steps: arm.steps },
      );
    case "send":
    case "notify":
    case "wait":
    case "wait_until":
    case "tag":
    case "set":
    case "exit":
      return [];
    default: {
      const never: never = step;
      throw new Error(`unknown step ${JSON.stringify(never)}`);
    }
  }
}

/** The name of the k-th (0-based) arm's list, for ids: then-<k+1>, or else. */
export function armListName(k: number, isElse: boolean): string {
  return isElse ? "else" : `then-${k + 1}`;
}

/** Prefix for automatic ids of the steps in one sub-list of the step `parentId`. */
export function listIdPrefix(parentId: string, listName: string): string {
  return `${parentId}.${listName}`;
}

export function defaultStepId(type: StepType, index: number, listPrefix: string | null): string {
  const own = `${type}-${index + 1}`;
  return listPrefix === null ? own : `${listPrefix}.${own}`;
}

export interface VisitedStep {
  step: Step;
  /** Setting path of the step in the file, e.g. ["steps", 1, "on_reply", 0]. */
  path: PropertyKey[];
}

export function walkSteps(
  steps: readonly Step[],
  visit: (v: VisitedStep) => void,
  base: PropertyKey[] = ["steps"],
): void {
  steps.forEach((step, index) => {
    const path = [...base, index];
    visit({ step, path });
    for (const list of subLists(step)) walkSteps(list.steps, visit, [...path, ...list.path]);
  });
}

/** Every step of the flow, nested ones included, in reading order. */
export function allSteps(steps: readonly Step[]): Step[] {
  const out: Step[] = [];
  walkSteps(steps, ({ step }) => out.push(step));
  return out;
}
