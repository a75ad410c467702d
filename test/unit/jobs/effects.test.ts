import { describe, expect, it } from "vitest";
import { collectEffects, messageIdHeaderFor } from "../../../src/jobs/process-step.js";
import { firstNameOf } from "../../../src/jobs/template-data.js";

describe("collectEffects", () => {
  it("turns effects into rows for one transaction", () => {
    let n = 0;
    const out = collectEffects(
      [
        { type: "step", stepId: "a", stepType: "send", at: 1 },
        { type: "send", stepId: "a", template: "thank-you", category: "relationship", topic: "check_ins" },
        { type: "step", stepId: "b", stepType: "wait", at: 1, detail: "until later" },
        { type: "schedule", stepId: "b", at: 99 },
      ],
      () => ({ id: `m${++n}`, messageIdHeader: `<m${n}@x>` }),
    );
    expect(out).toEqual({
      messages: [
        {
          id: "m1",
          messageIdHeader: "<m1@x>",
          stepId: "a",
          template: "thank-you",
          category: "relationship",
          topic: "check_ins",
        },
      ],
      steps: [
        { stepId: "a", stepType: "send", at: 1, detail: null },
        { stepId: "b", stepType: "wait", at: 1, detail: "until later" },
      ],
      wakeAt: 99,
    });
  });
  it("derives the Message-ID from the row", () => {
    expect(messageIdHeaderFor("abc", "reply.example")).toBe("<abc@reply.example>");
  });
});

describe("firstNameOf", () => {
  it.each([
    ["Ada Lovelace", "Ada"],
    ["  Grace   Hopper ", "Grace"],
    ["", null],
    [null, null],
  ])("%j → %j", (name, first) => expect(firstNameOf(name)).toBe(first));
});

describe("collectEffects: customer changes", () => {
  it("folds tag, untag and set in order", () => {
    const out = collectEffects(
      [
        { type: "tag", stepId: "a", add: ["vip", "early"], remove: [] },
        { type: "set", stepId: "b", field: "customer.attributes.tier", value: "gold" },
        { type: "tag", stepId: "c", add: [], remove: ["early", "trial"] },
        { type: "tag", stepId: "d", add: ["trial"], remove: [] },
      ],
      () => ({ id: "m", messageIdHeader: "<m@x>" }),
    );
    expect(out.customer).toEqual({
      addTags: ["trial", "vip"],
      removeTags: ["early"],
      attributes: { tier: "gold" },
    });
    expect(out.messages).toEqual([]);
  });
});
