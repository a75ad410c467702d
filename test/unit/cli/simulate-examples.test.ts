/**
 * Every shipped flow that follows the seeds, run by `rapport simulate` on its example
 * customer in config/examples/: the dated sends (UTC, after the send window and the cap),
 * on the channel each goes out on, with their rendered subjects.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSimulationConfig, readCustomerFile, simulateForCustomer } from "../../../src/cli/simulate.js";
import { loadFlows } from "../../../src/flows/load.js";

const RD = "Lyra RD 2780";

const cases: Array<{ flow: string; example: string; days: number; sends: string[]; also?: RegExp[] }> = [
  {
    flow: "thank-you",
    example: "grace-texts",
    days: 30,
    sends: [
      `2026-12-01 15:00  send    [thank-you] email to the customer: thank-you "Thank you for registering your ${RD}"`,
      `2026-12-15 15:00  send    [check-in] email to the customer: check-in "How is your ${RD} treating you?"`,
      "2026-12-17 15:00  send    [offer-tips-by-text] text to the customer: care-tips-offer",
      // Her "yes" by text on day 17 gets the first tip at once (transactional: it answers her).
      "2026-12-18 15:00  send    [first-tip-by-text] text to the customer: care-tip",
    ],
    also: [/tag: \+care-tips-by-text/, /2 email\(s\) and 2 text\(s\) to the customer\.$/],
  },
  {
    // No phone: no text offer.
    flow: "thank-you",
    example: "ada",
    days: 30,
    sends: [
      `2026-12-01 09:00  send    [thank-you] email to the customer: thank-you "Thank you for registering your ${RD}"`,
      `2026-12-15 09:00  send    [check-in] email to the customer: check-in "How is your ${RD} treating you?"`,
    ],
  },
  {
    // Grace prefers texts: the question goes by text and her texted answer is thanked by text.
    flow: "get-to-know-you",
    example: "grace-texts",
    days: 30,
    sends: [
      "2026-12-04 15:00  send    [question] text to the customer: get-to-know-you",
      "2026-12-05 15:00  send    [thanks] text to the customer: thanks-for-answer",
    ],
  },
  {
    flow: "what-do-you-use-it-for",
    example: "ada-answers",
    days: 90,
    sends: [
      `2027-01-15 09:00  send    [question] email to the customer: what-do-you-use-it-for "What do you use your ${RD} for most?"`,
      '2027-01-16 09:00  send    [thanks] email to the customer: thanks-for-answer "Thank you for your answer"',
    ],
    // Her answer's first paragraph is kept on her.
    also: [/set: customer\.attributes\.usesItFor = Mostly jazz records on Sunday mornings\.\n/],
  },
  {
    flow: "care-tips",
    example: "ada",
    days: 120,
    sends: [
      `2026-12-31 09:00  send    [tips] email to the customer: care-tips "Three minutes a month for your ${RD}"`,
    ],
  },
  {
    // Tagged care-tips-by-text (she said yes to the thank-you's offer): one more tip by text.
    flow: "care-tips",
    example: "grace-texts",
    days: 120,
    sends: [
      `2026-12-31 15:00  send    [tips] email to the customer: care-tips "Three minutes a month for your ${RD}"`,
      "2027-03-01 15:00  send    [tip-by-text] text to the customer: care-tip-level",
    ],
  },
  {
    flow: "accessory-offer",
    example: "ada",
    days: 120,
    sends: [
      `2027-03-01 09:00  send    [offer] email to the customer: accessory-offer "A cork platter mat for your ${RD}"`,
    ],
  },
  {
    // She owns a platter mat already: no offer.
    flow: "accessory-offer",
    example: "ada-has-a-mat",
    days: 120,
    sends: [],
    also: [/branch: no choice matched/],
  },
  {
    flow: "after-disposition",
    example: "linus-sold",
    days: 30,
    sends: [
      `2026-12-01 09:00  send    [thanks] email to the customer: former-owner-thanks "Thank you for having been a ${RD} owner"`,
    ],
  },
];

describe("the shipped flows on their example customers (config/examples)", async () => {
  const { flows } = await loadFlows(resolve("config/flows"));
  const config = await loadSimulationConfig(resolve("config"));

  it.each(cases)("$flow on $example.json", async ({ flow: id, example, days, sends, also }) => {
    const flow = flows.find((f) => f.id === id);
    if (!flow) throw new Error(`no flow ${id}`);
    const file = await readCustomerFile(resolve(`config/examples/${example}.json`));
    const report = simulateForCustomer(flow, file, config, { days, now: 0 });
    expect(report.text.split("\n").filter((l) => / {2}send {4}/.test(l))).toEqual(sends);
    expect(report.text).not.toMatch(/would fail/);
    for (const re of also ?? []) expect(report.text).toMatch(re);
  });

  it("has an example for every flow that follows the seeds", () => {
    for (const id of ["what-do-you-use-it-for", "care-tips", "accessory-offer", "after-disposition"])
      expect(cases.some((c) => c.flow === id)).toBe(true);
  });
});
