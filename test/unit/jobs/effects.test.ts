import { describe, expect, it } from "vitest";
import type { Flow } from "../../../src/flows/types.js";
import { entryKeyFor } from "../../../src/jobs/entry-key.js";
import { collectEffects, messageIdHeaderFor } from "../../../src/jobs/process-step.js";
import { firstNameOf } from "../../../src/jobs/template-data.js";

const flow = (entry: Flow["entry"]): Flow => ({
  id: "thanks",
  name: "Thanks",
  version: "v1",
  file: "x.yaml",
  trigger: { event: "registration" },
  entry,
  steps: [{ id: "s", type: "send", template: "t" }],
});

describe("entry keys", () => {
  const ids = { customerId: "c1", ownershipId: "o1", eventId: "e1" };
  it.each([
    ["once", "thanks|customer|c1"],
    ["once_per_product", "thanks|ownership|c1|o1"],
    ["every_time", "thanks|event|e1"],
  ] as const)("%s → %s", (entry, key) => {
    expect(entryKeyFor(flow(entry), ids)).toBe(key);
  });
  it("at most once in a window: one run per event, the window checked by the store", () => {
    const windowed = flow({ rule: "at_most_once_in", windowMs: 30 * 86_400_000, window: "30 days" });
    expect(entryKeyFor(windowed, ids)).toBe("thanks|window|c1|e1");
  });
  it("once per product without a product is once per customer", () => {
    expect(entryKeyFor(flow("once_per_product"), { ...ids, ownershipId: null })).toBe(
      "thanks|ownership|c1|none",
    );
  });
});

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
