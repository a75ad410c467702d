import { describe, expect, it } from "vitest";
import { evaluateCondition } from "../../../src/flows/conditions.js";
import { advance, initialRun } from "../../../src/flows/interpreter.js";
import { parseFlow } from "../../../src/flows/parse.js";
import type { TriggerFacts } from "../../../src/flows/types.js";

const T = Date.UTC(2026, 10, 27, 12);
const facts: TriggerFacts = {
  event: { type: "registration", properties: {} },
  customer: { email: "ada@example.com" },
};

const FLOW = `name: t
trigger:
  event: registration
topic: check_ins
steps:
  - send: { template: care-tip, channel: sms }
  - wait_for_reply: 7 days
    id: answer
    on_reply:
      - branch:
          - if: { reply.text: { matches: "^(yes|y|4040)$" } }
            then: [ { tag: texted-4040 } ]
          - else: [ { tag: said-something-else } ]
`;

function tagsAfterReply(text: string | undefined): string[] {
  const parsed = parseFlow(FLOW, "flows/t.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const started = advance(parsed.flow, initialRun(), { type: "start" }, T, { facts, defaultTimezone: "UTC" });
  const replied = advance(
    parsed.flow,
    started.run,
    { type: "reply", interactionId: "i-1", at: T + 1000, ...(text !== undefined ? { text } : {}) },
    T + 1000,
    { facts, defaultTimezone: "UTC" },
  );
  return replied.effects.flatMap((e) => (e.type === "tag" ? e.add : []));
}

describe("reply.text: { matches }", () => {
  it("branches on the words of the reply, ignoring case and surrounding spaces", () => {
    expect(tagsAfterReply("4040")).toEqual(["texted-4040"]);
    expect(tagsAfterReply(" YES ")).toEqual(["texted-4040"]);
    expect(tagsAfterReply("yes please")).toEqual(["said-something-else"]);
    // A reply whose text was not kept (a run from before) matches nothing.
    expect(tagsAfterReply(undefined)).toEqual(["said-something-else"]);
  });

  it("matches only text", () => {
    const test = (text: unknown) =>
      evaluateCondition(
        { type: "field", field: "reply.text", is: { matches: "^4040$" } },
        {
          ...facts,
          run: { replied: true },
          reply: text === undefined ? undefined : { text: text as string },
        },
        T,
      );
    expect(test("4040")).toBe(true);
    expect(test("40400")).toBe(false);
    expect(test(undefined)).toBe(false);
  });

  it("refuses a pattern that is not a regular expression, at its place in the file", () => {
    const r = parseFlow(FLOW.replace('"^(yes|y|4040)$"', '"(yes"'), "flows/t.yaml");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({
      line: 11,
      path: "steps[1].on_reply[0].branch[0].if.reply.text.matches",
      message: 'not a regular expression: "(yes"',
    });
  });
});
