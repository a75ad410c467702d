/**
 * Checks that need more than one flow file: every `send` and `notify` (nested ones
 * included) must name a template that exists.
 *
 * Contract: checkFlowReferences(flows, templateNames) returns one FlowError per send or
 * notify step whose template is not in templateNames, placed at the template name in the
 * flow's file (from Flow.positions; line 1, column 1 for a flow built without them),
 * with the known templates listed and a "did you mean". Pure.
 */

import type { FlowError } from "./errors.js";
import { pathText } from "./errors.js";
import { walkSteps } from "./steps.js";
import { didYouMean } from "./suggest.js";
import type { Flow } from "./types.js";

export function checkFlowReferences(flows: readonly Flow[], templateNames: ReadonlySet<string>): FlowError[] {
  const known = [...templateNames].sort();
  const knownText =
    known.length > 0 ? `available templates: ${known.join(", ")}` : "there are no templates yet";
  const errors: FlowError[] = [];
  for (const flow of flows) {
    walkSteps(flow.steps, ({ step, path }) => {
      if (step.type !== "send" && step.type !== "notify") return;
      if (templateNames.has(step.template)) return;
      const placed = flow.positions?.steps.find((p) => p.id === step.id);
      const pos = placed?.value ?? { line: 1, col: 1 };
      errors.push({
        file: flow.file,
        line: pos.line,
        col: pos.col,
        path: pathText([...path, step.type]),
        message: `there is no template named "${step.template}" (${knownText})${didYouMean(step.template, known)}`,
      });
    });
  }
  return errors;
}
