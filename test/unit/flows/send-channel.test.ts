import { describe, expect, it } from "vitest";
import { checkFlowReferences } from "../../../src/flows/check.js";
import { parseFlow } from "../../../src/flows/parse.js";

const flowOf = (steps: string) => {
  const r = parseFlow(
    `name: t\ntrigger:\n  event: registration\ntopic: check_ins\nsteps:\n${steps}`,
    "flows/t.yaml",
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.flow;
};

describe("send: { template, channel }", () => {
  it("parses the channel, email staying the default", () => {
    const flow = flowOf(
      "  - send: thank-you\n  - send: { template: care-tip, channel: sms }\n  - send: { template: thank-you, channel: preferred }\n  - send: { template: thank-you, channel: email }\n",
    );
    expect(flow.steps.map((s) => (s.type === "send" ? [s.template, s.channel] : null))).toEqual([
      ["thank-you", undefined],
      ["care-tip", "sms"],
      ["thank-you", "preferred"],
      ["thank-you", undefined],
    ]);
  });

  it("names the field and the allowed values for an unknown channel", () => {
    const r = parseFlow(
      "name: t\ntrigger:\n  event: registration\nsteps:\n  - send: { template: x, channel: fax }\n",
      "flows/t.yaml",
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({
      line: 5,
      path: "steps[0].send.channel",
      message: "expected email, sms or preferred (the customer's choice, else email)",
    });
  });

  it("checks each channel's template: sms.hbs for sms, both for preferred", () => {
    const flow = flowOf(
      "  - send: { template: care-tip, channel: sms }\n  - send: { template: thank-you, channel: preferred }\n",
    );
    expect(checkFlowReferences([flow], new Set(["thank-you"]), new Set(["care-tip", "thank-you"]))).toEqual(
      [],
    );
    const errors = checkFlowReferences([flow], new Set(["thank-you"]), new Set());
    expect(errors.map((e) => e.message)).toEqual([
      'there is no SMS template named "care-tip" (config/templates/care-tip/sms.hbs; there are no SMS templates yet)',
      'there is no SMS template named "thank-you" (config/templates/thank-you/sms.hbs; there are no SMS templates yet)',
    ]);
  });
});
