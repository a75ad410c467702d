import { describe, expect, it } from "vitest";
import { flowReadsReplies } from "../../../src/flows/conditions.js";
import { advance, initialRun, KEPT_ANSWER_MAX, keptAnswer } from "../../../src/flows/interpreter.js";
import { parseFlow } from "../../../src/flows/parse.js";

const T = Date.UTC(2026, 10, 27, 12);

const flowText = (keep: string) => `name: t
trigger:
  event: registration
topic: check_ins
steps:
  - send: get-to-know-you
  - wait_for_reply: 7 days
    id: answer${keep}
    on_reply:
      - send: thanks-for-answer
`;

function parsed(keep: string) {
  const p = parseFlow(flowText(keep), "flows/t.yaml");
  if (!p.ok) throw new Error(JSON.stringify(p.errors));
  return p.flow;
}

function setAfterReply(keep: string, text: string | undefined) {
  const flow = parsed(keep);
  const started = advance(flow, initialRun(), { type: "start" }, T, { defaultTimezone: "UTC" });
  const replied = advance(
    flow,
    started.run,
    { type: "reply", interactionId: "i-1", at: T + 1000, ...(text !== undefined ? { text } : {}) },
    T + 1000,
    { defaultTimezone: "UTC" },
  );
  return {
    set: replied.effects.flatMap((e) => (e.type === "set" ? [[e.field, e.value]] : [])),
    detail: replied.effects.find((e) => e.type === "step" && e.stepType === "wait_for_reply"),
    sent: replied.effects.flatMap((e) => (e.type === "send" ? [e.template] : [])),
  };
}

describe("wait_for_reply keep_as: the answer kept on the customer", () => {
  const KEEP = "\n    keep_as: customer.attributes.usesItFor";
  it.each([
    [
      "keeps the words",
      KEEP,
      "Mostly jazz on Sunday mornings.",
      [["customer.attributes.usesItFor", "Mostly jazz on Sunday mornings."]],
    ],
    [
      "keeps the first paragraph, whitespace folded",
      KEEP,
      "  Late-night\n listening.\n\nThanks, Ada",
      [["customer.attributes.usesItFor", "Late-night listening."]],
    ],
    ["keeps nothing without the words", KEEP, undefined, []],
    ["keeps nothing of an empty reply", KEEP, "   ", []],
    ["keeps nothing without keep_as", "", "Mostly jazz.", []],
  ])("%s", (_name, keep, text, expected) => {
    const r = setAfterReply(keep, text);
    expect(r.set).toEqual(expected);
    // on_reply goes on either way.
    expect(r.sent).toEqual(["thanks-for-answer"]);
  });

  it("says on the run's record where the answer went", () => {
    expect(setAfterReply(KEEP, "Jazz").detail).toMatchObject({
      detail: expect.stringContaining("kept as customer.attributes.usesItFor"),
    });
  });

  it("makes the step job read the reply's words", () => {
    expect(flowReadsReplies(parsed(KEEP))).toBe(true);
    expect(flowReadsReplies(parsed(""))).toBe(false);
  });

  it.each([
    ["customer.uses", /cannot be set.*customer\.attributes\.uses/],
    ["customer.attributes", /cannot be set/],
  ])("refuses keep_as: %s", (field, message) => {
    const p = parseFlow(flowText(`\n    keep_as: ${field}`), "flows/t.yaml");
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.errors.map((e) => e.message).join("\n")).toMatch(message);
  });
});

describe("keptAnswer", () => {
  it.each([
    ["Jazz", "Jazz"],
    ["a\tb\n c", "a b c"],
    ["first\n\nsecond", "first"],
  ])("%j → %j", (text, kept) => {
    expect(keptAnswer(text)).toBe(kept);
  });

  it(`cuts a long answer at a word, to at most ${KEPT_ANSWER_MAX} characters`, () => {
    const long = "word ".repeat(100);
    const kept = keptAnswer(long);
    expect(kept.length).toBeLessThanOrEqual(KEPT_ANSWER_MAX);
    expect(kept).toMatch(/word…$/);
  });
});
