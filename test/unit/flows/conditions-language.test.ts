/**
 * Comparisons, dates, tags, ownership, relationship and date triggers in conditions;
 * entry windows and date entry keys.
 */
import { describe, expect, it } from "vitest";
import {
  dateTriggerMatches,
  describeCondition,
  evaluateCondition,
  flowHasConditions,
  flowMatches,
  flowTestsOwnerships,
  matchesWhere,
} from "../../../src/flows/conditions.js";
import { dateEntryKey, entryAllowed, entryWindowStart } from "../../../src/flows/rules.js";
import type { Condition, EntryRule, FieldCondition, Flow, TriggerFacts } from "../../../src/flows/types.js";

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 5, 15, 12);

const facts: TriggerFacts = {
  event: { type: "purchase", properties: { total: "149.90" } },
  customer: {
    email: "ada@example.com",
    tags: ["vip", "newsletter"],
    birthday: "1990-12-10",
    attributes: { visits: 3, tier: "gold", relationship: "repeat" },
  },
  product: { sku: "LYRA-RD-2780", category: "turntable", relationship: "one_time" },
  ownership: { status: "active", started: NOW - 40 * DAY, kind: "purchase" },
  ownerships: [
    {
      sku: "LYRA-RD-2780",
      category: "turntable",
      status: "active",
      startedAt: NOW - 40 * DAY,
      kind: "purchase",
    },
    { sku: "LYRA-AMP-1", category: "amplifier", status: "disposed", startedAt: 0, kind: "registration" },
  ],
};

describe("field tests", () => {
  const cases: Array<[string, string, FieldCondition, boolean]> = [
    ["gt holds", "customer.attributes.visits", { gt: 2 }, true],
    ["gt is strict", "customer.attributes.visits", { gt: 3 }, false],
    ["gte at the bound", "customer.attributes.visits", { gte: 3 }, true],
    ["lt", "customer.attributes.visits", { lt: 3 }, false],
    ["lte at the bound", "customer.attributes.visits", { lte: 3 }, true],
    ["a range: all bounds must hold", "customer.attributes.visits", { gte: 1, lt: 3 }, false],
    ["a number written as text compares", "event.properties.total", { gt: 100 }, true],
    ["a word never compares", "customer.attributes.tier", { gt: 0 }, false],
    ["a missing field never compares", "customer.attributes.nothing", { lt: 10 }, false],
    ["before: more than 30 days ago", "ownership.started", { before: "30 days ago" }, true],
    ["before: more than 60 days ago", "ownership.started", { before: "60 days ago" }, false],
    ["after: within the last 60 days", "ownership.started", { after: "60 days ago" }, true],
    ["between", "ownership.started", { after: "60 days ago", before: "30 days ago" }, true],
    ["a calendar date bound", "ownership.started", { after: "2026-01-01" }, true],
    ["a date field as text", "customer.birthday", { before: "1991-01-01" }, true],
    ["a field that is not a date", "customer.attributes.tier", { before: "now" }, false],
    ["a missing date", "customer.attributes.nothing", { before: "now" }, false],
    ["contains", "customer.tags", { contains: "vip" }, true],
    ["contains: absent", "customer.tags", { contains: "trial" }, false],
    ["contains on a non-list", "customer.attributes.tier", { contains: "gold" }, false],
    ["ownership.status", "ownership.status", "active", true],
    ["ownership.kind", "ownership.kind", { in: ["purchase"] }, true],
    ["product.relationship", "product.relationship", "one_time", true],
  ];
  it.each(cases)("%s", (_name, field, is, expected) => {
    expect(matchesWhere({ [field]: is }, facts, NOW)).toBe(expected);
  });

  it("a relative date counts from the `now` given (a required argument); a fixed one does not move", () => {
    const started = NOW - 40 * DAY;
    const where = { "ownership.started": { before: "30 days ago" } };
    expect(matchesWhere(where, facts, started + 31 * DAY)).toBe(true);
    expect(matchesWhere(where, facts, started + 29 * DAY)).toBe(false);
    expect(matchesWhere({ "ownership.started": { after: "2026-01-01" } }, facts, 0)).toBe(true);
  });
});

describe("owns", () => {
  const cases: Array<[string, Condition, boolean]> = [
    ["a category owned", { type: "owns", category: "turntable" }, true],
    ["a sku owned", { type: "owns", sku: "LYRA-RD-2780" }, true],
    ["sku and category must both match", { type: "owns", sku: "LYRA-RD-2780", category: "amplifier" }, false],
    ["a disposed ownership does not count", { type: "owns", category: "amplifier" }, false],
    ["not owned", { type: "owns", category: "speaker" }, false],
  ];
  it.each(cases)("%s", (_name, condition, expected) => {
    expect(evaluateCondition(condition, { ...facts, run: { replied: false } }, 0)).toBe(expected);
  });

  it("without ownerships in the facts, nothing is owned", () => {
    const { ownerships: _, ...none } = facts;
    expect(
      evaluateCondition({ type: "owns", category: "turntable" }, { ...none, run: { replied: false } }, 0),
    ).toBe(false);
  });
});

describe("describeCondition", () => {
  it.each([
    [{ type: "field", field: "a.b", is: { gte: 1, lt: 5 } } as Condition, "a.b >= 1 and a.b < 5"],
    [{ type: "field", field: "o.s", is: { before: "30 days ago" } } as Condition, "o.s before 30 days ago"],
    [{ type: "field", field: "c.t", is: { contains: "vip" } } as Condition, "c.t contains vip"],
    [{ type: "owns", sku: "X", category: "turntable" } as Condition, "owns sku X, category turntable"],
  ])("%j → %s", (condition, text) => {
    expect(describeCondition(condition)).toBe(text);
  });
});

function flowWith(over: Partial<Flow>): Flow {
  return {
    id: "f",
    name: "F",
    version: "v",
    file: "f.yaml",
    trigger: { event: "purchase" },
    entry: "once",
    steps: [{ id: "s", type: "send", template: "t" }],
    ...over,
  };
}

describe("relationship and date triggers", () => {
  it.each([
    ["no relationship: any", undefined, facts, true],
    ["the product's relationship", "one_time" as const, facts, true],
    ["another relationship", "repeat" as const, facts, false],
    ["no product: the customer attribute", "repeat" as const, { ...facts, product: undefined }, true],
    ["neither: no match", "one_time" as const, { ...facts, product: undefined, customer: {} }, false],
  ])("flowMatches: %s", (_name, relationship, f, expected) => {
    const flow = flowWith(relationship ? { relationship } : {});
    expect(flowMatches(flow, f, NOW)).toBe(expected);
  });

  it("a date trigger never matches an event; dateTriggerMatches checks its where", () => {
    const flow = flowWith({
      trigger: {
        date: "customer.birthday",
        every: "year",
        at: "09:00",
        where: { "customer.tags": { contains: "vip" } },
      },
    });
    expect(flowMatches(flow, facts, NOW)).toBe(false);
    expect(dateTriggerMatches(flow, facts, NOW)).toBe(true);
    expect(dateTriggerMatches(flow, { ...facts, customer: { tags: [] } }, NOW)).toBe(false);
    expect(dateTriggerMatches(flowWith({}), facts, NOW)).toBe(false);
  });

  it("flowHasConditions: goal, exit_when and wait_until need facts", () => {
    expect(flowHasConditions(flowWith({}))).toBe(false);
    expect(flowHasConditions(flowWith({ goal: { type: "owns", category: "x" } }))).toBe(true);
    expect(
      flowHasConditions(flowWith({ exitWhen: { type: "field", field: "ownership.status", is: "disposed" } })),
    ).toBe(true);
    expect(flowHasConditions(flowWith({ goal: { type: "replied", value: true } }))).toBe(false);
    expect(
      flowHasConditions(flowWith({ steps: [{ id: "w", type: "wait_until", until: { at: "10:00" } }] })),
    ).toBe(true);
  });
});

describe("flowTestsOwnerships: a first step on just-ingested facts must still read the ownerships", () => {
  const owns: Condition = { type: "owns", category: "turntable" };
  const field: Condition = { type: "field", field: "ownership.status", is: "disposed" };
  it.each([
    ["no conditions", {}, false],
    ["exit_when on a field", { exitWhen: field }, false],
    ["exit_when owns", { exitWhen: owns }, true],
    [
      "goal owns inside not/any",
      { goal: { type: "not", condition: { type: "any", conditions: [field, owns] } } },
      true,
    ],
    [
      "a branch arm owns",
      {
        steps: [
          {
            id: "b",
            type: "branch",
            arms: [
              { when: owns, steps: [] },
              { when: null, steps: [] },
            ],
          },
        ],
      },
      true,
    ],
    [
      "a branch arm on a field",
      { steps: [{ id: "b", type: "branch", arms: [{ when: field, steps: [] }] }] },
      false,
    ],
  ] as Array<[string, Partial<Flow>, boolean]>)("%s", (_name, parts, expected) => {
    expect(flowTestsOwnerships(flowWith(parts))).toBe(expected);
  });
});

describe("entry windows", () => {
  const window: EntryRule = { rule: "at_most_once_in", windowMs: 30 * DAY, window: "30 days" };
  it.each([
    ["never entered", window, null, true],
    ["entered 10 days ago", window, NOW - 10 * DAY, false],
    ["entered exactly 30 days ago", window, NOW - 30 * DAY, true],
    ["entered 31 days ago", window, NOW - 31 * DAY, true],
    ["other rules: the entry key decides", "once" as EntryRule, NOW, true],
  ])("%s", (_name, entry, last, expected) => {
    expect(entryAllowed(entry, last, NOW)).toBe(expected);
  });

  it("entryWindowStart and dateEntryKey", () => {
    expect(entryWindowStart(window, NOW)).toBe(NOW - 30 * DAY);
    expect(entryWindowStart("every_time", NOW)).toBeNull();
    expect(dateEntryKey("birthday", { customerId: "c1", ownershipId: null }, 1234)).toBe(
      "birthday|date|c1|none|1234",
    );
    expect(dateEntryKey("anniversary", { customerId: "c1", ownershipId: "o1" }, 1234)).toBe(
      "anniversary|date|c1|o1|1234",
    );
  });
});
