import { describe, expect, it } from "vitest";
import { checkFlowReferences } from "../../../src/flows/check.js";
import { formatFlowError, parseFlow } from "../../../src/flows/parse.js";
import type { Flow } from "../../../src/flows/types.js";

function flowFrom(source: string, file: string): Flow {
  const result = parseFlow(source, file);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.flow;
}

const source = `name: Test
trigger:
  event: registration
steps:
  - send: thank-you
  - wait: 14 days
  - send: chek-in
`;

describe("checkFlowReferences", () => {
  const flow = flowFrom(source, "config/flows/test.yaml");

  const cases: Array<[string, string[], string[]]> = [
    ["all templates exist", ["thank-you", "chek-in"], []],
    [
      "a misspelt template, with suggestion",
      ["thank-you", "check-in"],
      [
        'config/flows/test.yaml:7:11: steps[2].send: there is no template named "chek-in" (available templates: check-in, thank-you); did you mean "check-in"?',
      ],
    ],
    [
      "no templates at all",
      [],
      [
        'config/flows/test.yaml:5:11: steps[0].send: there is no template named "thank-you" (there are no templates yet)',
        'config/flows/test.yaml:7:11: steps[2].send: there is no template named "chek-in" (there are no templates yet)',
      ],
    ],
  ];
  it.each(cases)("%s", (_name, templates, expected) => {
    expect(checkFlowReferences([flow], new Set(templates)).map(formatFlowError)).toEqual(expected);
  });

  it("falls back to 1:1 for a flow built without positions", () => {
    const { positions: _dropped, ...bare } = flow;
    const errors = checkFlowReferences([bare], new Set(["thank-you"]));
    expect(errors).toEqual([
      expect.objectContaining({ file: "config/flows/test.yaml", line: 1, col: 1, path: "steps[2].send" }),
    ]);
  });
});

describe("checkFlowReferences: notify and nested steps", () => {
  const nested = flowFrom(
    `name: Nested
trigger:
  event: owner_message
steps:
  - notify: owner-mesage-to-team
  - wait_for_reply: 7 days
    on_reply:
      - branch:
          - if: { replied: true }
            then:
              - send: thanks-for-anser
`,
    "config/flows/nested.yaml",
  );
  const known = new Set(["owner-message-to-team", "thanks-for-answer"]);

  it("checks notify templates and sends at any depth, at their exact place", () => {
    expect(checkFlowReferences([nested], known).map(formatFlowError)).toEqual([
      'config/flows/nested.yaml:5:13: steps[0].notify: there is no template named "owner-mesage-to-team" (available templates: owner-message-to-team, thanks-for-answer); did you mean "owner-message-to-team"?',
      'config/flows/nested.yaml:11:23: steps[1].on_reply[0].branch[0].then[0].send: there is no template named "thanks-for-anser" (available templates: owner-message-to-team, thanks-for-answer); did you mean "thanks-for-answer"?',
    ]);
  });

  it("is quiet when the templates exist", () => {
    expect(checkFlowReferences([nested], new Set(["owner-mesage-to-team", "thanks-for-anser"]))).toEqual([]);
  });
});
