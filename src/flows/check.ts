/**
 * Checks that need more than one flow file: every `send` and `notify` (nested ones
 * included) must name a template that exists, and (checkProductUses, below) one that
 * renders without a product when the flow can run without one; and (checkTopics, below)
 * every message a customer can opt out of names a topic the brand lists.
 *
 * Contract: checkFlowReferences(flows, templateNames) returns one FlowError per send or
 * notify step whose template is not in templateNames, placed at the template name in the
 * flow's file (from Flow.positions; line 1, column 1 for a flow built without them),
 * with the known templates listed and a "did you mean". Pure.
 */

import type { ProductUse } from "../templates/product-uses.js";
import type { FlowError } from "./errors.js";
import { pathText } from "./errors.js";
import { productPresence } from "./product-presence.js";
import { walkSteps } from "./steps.js";
import { didYouMean } from "./suggest.js";
import type { Flow } from "./types.js";

export function checkFlowReferences(
  flows: readonly Flow[],
  templateNames: ReadonlySet<string>,
  /** config/templates/NAME/sms.hbs: what `channel: sms` (and `preferred`) sends need. */
  smsTemplateNames: ReadonlySet<string> = new Set(),
): FlowError[] {
  const known = [...templateNames].sort();
  const knownText =
    known.length > 0 ? `available templates: ${known.join(", ")}` : "there are no templates yet";
  const knownSms = [...smsTemplateNames].sort();
  const knownSmsText =
    knownSms.length > 0
      ? `available SMS templates: ${knownSms.join(", ")}`
      : "there are no SMS templates yet";
  const errors: FlowError[] = [];
  for (const flow of flows) {
    walkSteps(flow.steps, ({ step, path }) => {
      if (step.type !== "send" && step.type !== "notify") return;
      const channel = step.type === "send" ? (step.channel ?? "email") : "email";
      const placed = flow.positions?.steps.find((p) => p.id === step.id);
      const pos = placed?.value ?? { line: 1, col: 1 };
      const at = { file: flow.file, line: pos.line, col: pos.col, path: pathText([...path, step.type]) };
      // preferred may go either way, so it needs both.
      if (channel !== "sms" && !templateNames.has(step.template))
        errors.push({
          ...at,
          message: `there is no ${channel === "preferred" ? "email " : ""}template named "${step.template}" (${knownText})${didYouMean(step.template, known)}`,
        });
      if (channel !== "email" && !smsTemplateNames.has(step.template))
        errors.push({
          ...at,
          message: `there is no SMS template named "${step.template}" (config/templates/${step.template}/sms.hbs; ${knownSmsText})${didYouMean(step.template, knownSms)}`,
        });
    });
  }
  return errors;
}

/** What checkProductUses needs of a template: where it reads product fields unguarded. */
export interface ProductReader {
  productUses: readonly ProductUse[];
}

/**
 * Every `send` and `notify` of a flow that can run without a product (product-presence.ts)
 * must name a template that reads no product field outside `{{#if product}}`: otherwise
 * the message fails to render (a reply known only by its sender would never reach the
 * team). One FlowError per step and template file, at the template name in the flow's
 * file, naming the step, the template file, the first use's place and the variables.
 * Pure; templates missing from `templates` are checkFlowReferences' to report.
 */
export function checkProductUses(
  flows: readonly Flow[],
  templates: ReadonlyMap<string, ProductReader>,
): FlowError[] {
  const errors: FlowError[] = [];
  for (const flow of flows) {
    const presence = productPresence(flow);
    if (presence.certain) continue;
    walkSteps(flow.steps, ({ step, path }) => {
      if (step.type !== "send" && step.type !== "notify") return;
      // SMS templates render with the same strict data; their product reads are not tracked yet.
      if (step.type === "send" && step.channel === "sms") return;
      const uses = templates.get(step.template)?.productUses ?? [];
      const placed = flow.positions?.steps.find((p) => p.id === step.id);
      const pos = placed?.value ?? { line: 1, col: 1 };
      for (const file of [...new Set(uses.map((u) => u.file))]) {
        const inFile = uses.filter((u) => u.file === file);
        const first = inFile[0] as ProductUse;
        const variables = [...new Set(inFile.map((u) => u.variable))];
        errors.push({
          file: flow.file,
          line: pos.line,
          col: pos.col,
          path: pathText([...path, step.type]),
          message:
            `step "${step.id}" uses template "${step.template}", and ${file}:${first.line}:${first.col} reads ` +
            `${variables.join(", ")} outside {{#if product}}, but this flow can run without a product ` +
            `(${presence.why}); the message would fail. Guard it: {{#if product}}{{${first.variable}}}{{else}}…{{/if}}`,
        });
      }
    });
  }
  return errors;
}

/**
 * Every message a customer could opt out of must say what it is about: each `send` that is
 * not transactional (its own flag, else the flow's) needs a topic (its own, else the
 * flow's), and every topic named, by a flow or a step, must be one of `topics` (the
 * brand's, config/rapport.yaml). One FlowError per unknown topic, at the topic, and per
 * send without one, at the step's template; with the known topics and a "did you mean".
 * Transactional sends may name a topic (it must exist) but need none; notify steps write
 * to the team and need none. Pure.
 */
export function checkTopics(flows: readonly Flow[], topics: ReadonlySet<string>): FlowError[] {
  const known = [...topics].sort();
  const knownText =
    known.length > 0
      ? `topics in config/rapport.yaml: ${known.join(", ")}`
      : "config/rapport.yaml lists no topics yet; add them under topics:";
  const unknown = (topic: string) =>
    `there is no topic named "${topic}" (${knownText})${didYouMean(topic, known)}`;
  const errors: FlowError[] = [];
  for (const flow of flows) {
    const flowTopicKnown = flow.topic === undefined || topics.has(flow.topic);
    if (!flowTopicKnown) {
      const pos = flow.positions?.topic ?? { line: 1, col: 1 };
      errors.push({ file: flow.file, ...pos, path: "topic", message: unknown(flow.topic as string) });
    }
    walkSteps(flow.steps, ({ step, path }) => {
      if (step.type !== "send") return;
      const placed = flow.positions?.steps.find((p) => p.id === step.id);
      if (step.topic !== undefined) {
        if (topics.has(step.topic)) return;
        const pos = placed?.topic ?? placed?.value ?? { line: 1, col: 1 };
        errors.push({
          file: flow.file,
          ...pos,
          path: pathText([...path, "topic"]),
          message: unknown(step.topic),
        });
        return;
      }
      // The flow's topic, reported once above when it is unknown.
      if (flow.topic !== undefined || (step.transactional ?? flow.transactional)) return;
      const pos = placed?.value ?? { line: 1, col: 1 };
      errors.push({
        file: flow.file,
        ...pos,
        path: pathText([...path, "send"]),
        message:
          `step "${step.id}" sends "${step.template}", which is not transactional, so customers can opt out ` +
          `of it: say what it is about with topic: on the flow (or on the step) (${knownText})`,
      });
    });
  }
  return errors;
}
