import { describe, expect, it } from "vitest";
import { flowToMermaid, mermaidPage, mermaidText } from "../../../src/flows/graph.js";
import { parseFlow } from "../../../src/flows/parse.js";
import type { Flow } from "../../../src/flows/types.js";

function flow(yaml: string): Flow {
  const parsed = parseFlow(yaml, "graph-test.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.flow;
}

describe("flowToMermaid", () => {
  it("draws a straight flow from trigger to end", () => {
    const chart = flowToMermaid(
      flow(`name: Thanks
trigger: { event: registration, where: { product.category: turntable } }
steps:
  - send: thank-you
  - wait: 14 days
  - send: check-in
`),
    );
    expect(chart.split("\n")).toEqual([
      "flowchart TD",
      '  n0(("end"))',
      '  n1(["Thanks: on registration where product.category = turntable (once per product)"])',
      '  n2["send thank-you"]',
      "  n1 --> n2",
      '  n3(["wait 14 days"])',
      "  n2 --> n3",
      '  n4["send check-in"]',
      "  n3 --> n4",
      "  n4 --> n0",
      "",
    ]);
  });

  it("forks and joins around wait_for_reply and branch, and ends at exit", () => {
    const chart = flowToMermaid(
      flow(`name: Question
trigger: { event: registration }
steps:
  - send: question
  - wait_for_reply: 10 days
    id: answer
    on_reply:
      - send: thanks
    on_timeout: []
  - branch:
      - if: { customer.attributes.vip: true }
        then:
          - notify: vip-desk
      - if: { replied: false }
        then:
          - exit: "never answered"
  - send: tips
`),
    );
    expect(chart).toContain('n3{{"wait for a reply, up to 10 days"}}');
    expect(chart).toContain('n3 -->|"replied"| n4');
    // An empty on_timeout goes straight on, labelled, to the next step.
    expect(chart).toContain('n3 -->|"no reply in 10 days"| n5');
    expect(chart).toContain("n4 --> n5");
    expect(chart).toContain('n5 -->|"customer.attributes.vip = true"| n6');
    expect(chart).toContain('n6[/"notify the team: vip-desk"/]');
    expect(chart).toContain('n7[["exit: never answered"]]');
    expect(chart).toContain("n7 --> n0");
    // Without an else, the branch also falls through.
    expect(chart).toContain('n5 -->|"none of these"| n8');
    expect(chart).toContain("n6 --> n8");
    expect(chart).not.toContain("n7 --> n8");
  });

  it("draws exit_when and goal as a note on the whole flow (a box around it), not as a step with an arrow", () => {
    const chart = flowToMermaid(
      flow(`name: Thanks
trigger: { event: registration }
exit_when: { ownership.status: disposed }
goal: { tagged: answered }
steps:
  - send: thank-you
`),
    );
    expect(chart.split("\n")).toEqual([
      "flowchart TD",
      '  subgraph rules ["before every step: done when customer.tags contains answered (goal); ends early when ownership.status = disposed"]',
      '    n0(("end"))',
      '    n1(["Thanks: on registration (once per product)"])',
      '    n2["send thank-you"]',
      "    n1 --> n2",
      "    n2 --> n0",
      "  end",
      "",
    ]);
  });

  it("keeps labels from breaking the chart or the page", () => {
    expect(mermaidText('say "hi" <b>')).toBe("say #quot;hi#quot; #lt;b#gt;");
    const page = mermaidPage(
      flow(`name: "<script>x</script>"\ntrigger: { event: registration }\nsteps: [ { send: a } ]\n`),
    );
    expect(page).not.toContain("<script>x");
    expect(page).toContain('<pre class="mermaid">');
  });
});
