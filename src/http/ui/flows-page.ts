/**
 * GET /ui: every flow drawn as its steps, nested the way the YAML nests them (on_reply /
 * on_timeout, branch arms, on_event), with the number of runs now at each step beside
 * it, and the flow's totals. A list rather than a picture: src/flows/graph.ts draws
 * Mermaid, which needs a script in the browser; a nested list reads the same to a screen
 * reader as to the eye, and needs none.
 */
import { describeCondition } from "../../flows/conditions.js";
import type { Flow, Step } from "../../flows/types.js";
import { html, type SafeHtml } from "../page.js";
import type { DashboardDeps, UiApp } from "./deps.js";
import { type FlowNumbers, flowNumbers } from "./flow-counts.js";
import { uiHeaders, uiPage } from "./layout.js";

function stepLabel(step: Step): string {
  switch (step.type) {
    case "send":
      return `send ${step.template}`;
    case "notify":
      return `notify the team: ${step.template}`;
    case "wait":
      return `wait ${step.duration}`;
    case "wait_for_reply":
      return `wait for a reply, up to ${step.timeout}`;
    case "wait_for":
      return `wait for ${step.event}, up to ${step.timeout}`;
    case "wait_until":
      return `wait until ${step.until.date ?? "the next"} ${step.until.at}`;
    case "branch":
      return `branch ${step.id}`;
    case "tag":
      return [...step.add.map((t) => `tag ${t}`), ...step.remove.map((t) => `untag ${t}`)].join("; ");
    case "set":
      return `set ${step.values.map((v) => `${v.field} = ${String(v.value)}`).join(", ")}`;
    case "exit":
      return step.reason ? `exit: ${step.reason}` : "exit";
    default: {
      const never: never = step;
      throw new Error(`unknown step ${JSON.stringify(never)}`);
    }
  }
}

/** Labelled sub-lists of a step, as the diagram's edges name them. */
function branches(step: Step): Array<[string, readonly Step[]]> {
  switch (step.type) {
    case "wait_for_reply":
      return [
        ["if they reply", step.onReply],
        [`if no reply in ${step.timeout}`, step.onTimeout],
      ];
    case "wait_for":
      return [
        [`on ${step.event}`, step.onEvent],
        [`if no ${step.event} in ${step.timeout}`, step.onTimeout],
      ];
    case "branch":
      return step.arms.map((arm) => [arm.when ? `if ${describeCondition(arm.when)}` : "else", arm.steps]);
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

function stepList(steps: readonly Step[], n: FlowNumbers, top: boolean): SafeHtml {
  if (steps.length === 0) return html`<ol><li class="quiet">(nothing: on to the next step)</li></ol>`;
  return html`<ol${top ? html` class="flow"` : ""}>${steps.map((step) => {
    const now = n.atStep.get(step.id) ?? 0;
    return html`<li data-step="${step.id}"><span class="step"><span>${stepLabel(step)}</span>
<span class="count" title="runs at this step now">${now}<span class="visually-hidden"> runs here now</span></span></span>
${branches(step).map(
  ([label, sub]) => html`<div><span class="branch-label">${label}</span>${stepList(sub, n, false)}</div>`,
)}</li>`;
  })}</ol>`;
}

function totals(n: FlowNumbers, replies: number): SafeHtml {
  const items: Array<[string, number]> = [
    ["started", n.started],
    ["completed", n.completed],
    ["exited", n.exited],
    ["converted", n.converted],
    ["failed", n.failed],
    ["replies received", replies],
  ];
  if (n.atEnd) items.push(["finishing", n.atEnd]);
  if (n.earlierVersions) items.push(["under way on earlier versions", n.earlierVersions]);
  return html`<dl class="totals">${items.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

export function flowSection(flow: Flow, n: FlowNumbers, replies: number): SafeHtml {
  const headingId = `flow-${flow.id}`;
  return html`<section aria-labelledby="${headingId}" data-flow="${flow.id}">
<h2 id="${headingId}">${flow.name}</h2>
<p class="quiet">${flow.id} · version ${flow.version.slice(0, 12)} · on ${"event" in flow.trigger ? flow.trigger.event : `every year on ${flow.trigger.date}`}</p>
${totals(n, replies)}
${stepList(flow.steps, n, true)}
</section>`;
}

export function mountFlowsPage(ui: UiApp, deps: DashboardDeps): void {
  ui.get("/", async (c) => {
    const [counts, replies] = await Promise.all([deps.store.flowRunCounts(), deps.store.repliesByFlow()]);
    const repliesOf = new Map(replies.map((r) => [r.flowId, r.replies]));
    const flows = [...deps.flows.values()].sort((a, b) => a.name.localeCompare(b.name));
    const body = html`<h1>Flows</h1>
<p class="quiet">The number beside each step: runs at it now (running or waiting there).</p>
${flows.map((f) => flowSection(f, flowNumbers(f, counts), repliesOf.get(f.id) ?? 0))}
${flows.length === 0 ? html`<p>No flows are loaded (config/flows).</p>` : ""}`;
    return c.body(
      uiPage({ brandName: deps.brandName, title: "Flows", body, section: "flows", csrf: c.get("csrf") }),
      200,
      uiHeaders,
    );
  });
}
