/**
 * A flow as a Mermaid flowchart, so people can look at a flow instead of reading it:
 * `flowToMermaid(flow) → string` (pure). Every step is a node labelled the way marketing
 * wrote it; nested paths (on_reply / on_timeout, branch arms) fork with labelled edges
 * and join again at the step after them; open ends meet at "end".
 * `mermaidPage(flow)` wraps the chart in a self-contained HTML page that renders it with
 * the mermaid library from a CDN (open it in a browser; the text works offline in any
 * Mermaid-aware editor, GitHub and GitLab included).
 */
import { describeCondition } from "./conditions.js";
import type { Flow, Step, WaitUntil } from "./types.js";

interface OpenEnd {
  id: string;
  label?: string;
}

/** Mermaid labels go in double quotes; these would end or confuse them. */
export function mermaidText(s: string): string {
  return s.replace(/"/g, "#quot;").replace(/[<>]/g, (c) => (c === "<" ? "#lt;" : "#gt;"));
}

const DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function triggerLabel(flow: Flow): string {
  const t = flow.trigger;
  const where = Object.entries(t.where ?? {}).map(([field, is]) =>
    describeCondition({ type: "field", field, is }),
  );
  const what = "event" in t ? t.event : `every year on ${t.date} at ${t.at}`;
  const entry =
    typeof flow.entry === "string" ? flow.entry.replaceAll("_", " ") : `at most once in ${flow.entry.window}`;
  return `${what}${where.length ? ` where ${where.join(" and ")}` : ""} (${entry})`;
}

function untilLabel(until: WaitUntil): string {
  const days = until.days ? ` on ${until.days.map((d) => DAY_NAMES[d] ?? d).join(", ")}` : "";
  const date = until.date ? `${until.date}${until.offset ? ` ${until.offset}` : ""}, ` : "the next ";
  return `wait until ${date}${until.at}${days}`;
}

export function flowToMermaid(flow: Flow): string {
  const lines = ["flowchart TD"];
  let counter = 0;
  const node = (shape: [string, string], label: string) => {
    const id = `n${counter++}`;
    lines.push(`  ${id}${shape[0]}"${mermaidText(label)}"${shape[1]}`);
    return id;
  };
  const link = (ends: OpenEnd[], to: string) => {
    for (const end of ends) {
      lines.push(end.label ? `  ${end.id} -->|"${mermaidText(end.label)}"| ${to}` : `  ${end.id} --> ${to}`);
    }
  };
  const done = node(["((", "))"], "end");

  const chain = (steps: readonly Step[], from: OpenEnd[]): OpenEnd[] => {
    let ends = from;
    for (const step of steps) ends = place(step, ends);
    return ends;
  };

  const place = (step: Step, from: OpenEnd[]): OpenEnd[] => {
    switch (step.type) {
      case "send": {
        const id = node(["[", "]"], `send ${step.template}`);
        link(from, id);
        return [{ id }];
      }
      case "notify": {
        const id = node(["[/", "/]"], `notify the team: ${step.template}`);
        link(from, id);
        return [{ id }];
      }
      case "wait": {
        const id = node(["([", "])"], `wait ${step.duration}`);
        link(from, id);
        return [{ id }];
      }
      case "wait_for_reply": {
        const id = node(["{{", "}}"], `wait for a reply, up to ${step.timeout}`);
        link(from, id);
        const replied = chain(step.onReply, [{ id, label: "replied" }]);
        const timedOut = chain(step.onTimeout, [{ id, label: `no reply in ${step.timeout}` }]);
        return [...replied, ...timedOut];
      }
      case "branch": {
        const id = node(["{", "}"], step.id);
        link(from, id);
        const ends = step.arms.flatMap((arm) =>
          chain(arm.steps, [{ id, label: arm.when ? describeCondition(arm.when) : "else" }]),
        );
        const hasElse = step.arms.some((arm) => arm.when === null);
        return hasElse ? ends : [...ends, { id, label: "none of these" }];
      }
      case "wait_until": {
        const id = node(["([", "])"], untilLabel(step.until));
        link(from, id);
        return [{ id }];
      }
      case "wait_for": {
        const id = node(["{{", "}}"], `wait for ${step.event}, up to ${step.timeout}`);
        link(from, id);
        const happened = chain(step.onEvent, [{ id, label: step.event }]);
        const timedOut = chain(step.onTimeout, [{ id, label: `no ${step.event} in ${step.timeout}` }]);
        return [...happened, ...timedOut];
      }
      case "tag": {
        const parts = [
          ...(step.add.length ? [`tag ${step.add.join(", ")}`] : []),
          ...(step.remove.length ? [`untag ${step.remove.join(", ")}`] : []),
        ];
        const id = node(["[", "]"], parts.join("; "));
        link(from, id);
        return [{ id }];
      }
      case "set": {
        const id = node(
          ["[", "]"],
          `set ${step.values.map((v) => `${v.field} = ${String(v.value)}`).join(", ")}`,
        );
        link(from, id);
        return [{ id }];
      }
      case "exit": {
        const id = node(["[[", "]]"], step.reason ? `exit: ${step.reason}` : "exit");
        link(from, id);
        link([{ id }], done);
        return [];
      }
      default: {
        const never: never = step;
        throw new Error(`unknown step ${JSON.stringify(never)}`);
      }
    }
  };

  const start = node(["([", "])"], `${flow.name}: on ${triggerLabel(flow)}`);
  link(chain(flow.steps, [{ id: start }]), done);
  const rules = flowRules(flow);
  if (rules === null) return `${lines.join("\n")}\n`;
  // exit_when and goal are checked before every step, not reached by an edge: the flow is
  // drawn inside a box whose title states them, a note on the whole flow.
  const [header, ...body] = lines;
  return `${[header, `  subgraph rules ["${mermaidText(rules)}"]`, ...body.map((l) => `  ${l}`), "  end"].join("\n")}\n`;
}

/** The flow-level rules checked before every step, in words, or null when there are none. */
function flowRules(flow: Flow): string | null {
  const rules = [
    ...(flow.goal ? [`done when ${describeCondition(flow.goal)} (goal)`] : []),
    ...(flow.exitWhen ? [`ends early when ${describeCondition(flow.exitWhen)}`] : []),
  ];
  return rules.length > 0 ? `before every step: ${rules.join("; ")}` : null;
}

export function mermaidPage(flow: Flow): string {
  const title = flow.name.replace(/[<>&]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;" })[c] ?? c);
  const chart = flowToMermaid(flow).replace(/</g, "&lt;");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#26211d}</style></head>
<body>
<h1>${title}</h1>
<pre class="mermaid">
${chart}</pre>
<script type="module">
import mermaid from "https://cdn.jsdelivr.net/npm/mermaid@11/dist/mermaid.esm.min.mjs";
mermaid.initialize({ startOnLoad: true, securityLevel: "strict" });
</script>
</body>
</html>
`;
}
