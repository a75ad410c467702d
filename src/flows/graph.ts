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
import type { Flow, Step } from "./types.js";

interface OpenEnd {
  id: string;
  label?: string;
}

/** Mermaid labels go in double quotes; these would end or confuse them. */
export function mermaidText(s: string): string {
  return s.replace(/"/g, "#quot;").replace(/[<>]/g, (c) => (c === "<" ? "#lt;" : "#gt;"));
}

function triggerLabel(flow: Flow): string {
  const where = Object.entries(flow.trigger.where ?? {}).map(([field, is]) =>
    describeCondition({ type: "field", field, is }),
  );
  const entry = flow.entry.replaceAll("_", " ");
  return `${flow.trigger.event}${where.length ? ` where ${where.join(" and ")}` : ""} (${entry})`;
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
  return `${lines.join("\n")}\n`;
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
