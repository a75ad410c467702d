import { describe, expect, it } from "vitest";
import {
  describeCondition,
  evaluateCondition,
  flowMatches,
  matchesWhere,
} from "../../../src/flows/conditions.js";
import type {
  Condition,
  ConditionFacts,
  FieldCondition,
  Flow,
  TriggerFacts,
  Where,
} from "../../../src/flows/types.js";

const facts: TriggerFacts = {
  event: { type: "registration", properties: { channel: "web", size: 42, nested: { deep: "yes" } } },
  customer: {
    email: "ana@example.com",
    name: "Ana",
    locale: "pt",
    birthday: null,
    attributes: { tier: "gold", visits: 3 },
  },
  product: { sku: "LYRA-RD-2780", category: "turntable", serial: "2780" },
};

const noProduct: TriggerFacts = { ...facts, product: undefined };

describe("matchesWhere", () => {
  const cases: Array<[string, Where | undefined, boolean, TriggerFacts?]> = [
    ["no where matches everything", undefined, true],
    ["empty where matches everything", {}, true],
    ["string equality", { "product.category": "turntable" }, true],
    ["string inequality", { "product.category": "amplifier" }, false],
    ["all conditions must hold (AND)", { "product.category": "turntable", "customer.locale": "de" }, false],
    ["number written as text matches a number", { "event.properties.size": "42" }, true],
    ["number matches text holding it", { "product.serial": 2780 }, true],
    ["number matches number", { "customer.attributes.visits": 3 }, true],
    ["boolean does not match text", { "event.properties.channel": true }, false],
    ["in: one of", { "product.sku": { in: ["LYRA-RD-2780", "LYRA-RD-2790"] } }, true],
    ["in: none of", { "product.sku": { in: ["LYRA-RD-1000"] } }, false],
    ["not: different value", { "customer.locale": { not: "de" } }, true],
    ["not: same value", { "customer.locale": { not: "pt" } }, false],
    ["exists: present", { "customer.email": { exists: true } }, true],
    ["exists: null counts as missing", { "customer.birthday": { exists: true } }, false],
    ["exists false: null", { "customer.birthday": { exists: false } }, true],
    ["attributes path", { "customer.attributes.tier": "gold" }, true],
    ["nested event property", { "event.properties.nested.deep": "yes" }, true],
    // Missing fields: equality false, not true, exists:false true, in false.
    ["missing: equality", { "customer.timezone": "Europe/Lisbon" }, false],
    ["missing: not", { "customer.timezone": { not: "Europe/Lisbon" } }, true],
    ["missing: exists false", { "customer.timezone": { exists: false } }, true],
    ["missing: exists true", { "customer.timezone": { exists: true } }, false],
    ["missing: in", { "customer.timezone": { in: ["UTC"] } }, false],
    ["missing product: equality", { "product.category": "turntable" }, false, noProduct],
    ["missing product: not", { "product.category": { not: "turntable" } }, true, noProduct],
    ["missing deeper than a scalar", { "customer.name.first": "Ana" }, false],
    ["inherited properties are not fields", { "customer.attributes.constructor": { exists: true } }, false],
  ];
  it.each(cases)("%s", (_name, where, expected, f = facts) => {
    expect(matchesWhere(where, f, 0)).toBe(expected);
  });
});

describe("flowMatches", () => {
  const flow = (event: string, where?: Where): Flow => ({
    id: "f",
    name: "F",
    version: "v",
    file: "f.yaml",
    trigger: where ? { event, where } : { event },
    entry: "once",
    steps: [{ id: "s", type: "send", template: "t" }],
  });
  const cases: Array<[string, Flow, boolean]> = [
    ["same event, no where", flow("registration"), true],
    ["other event", flow("purchase"), false],
    ["same event, where holds", flow("registration", { "product.category": "turntable" }), true],
    ["same event, where fails", flow("registration", { "product.category": "speaker" }), false],
  ];
  it.each(cases)("%s", (_name, f, expected) => {
    expect(flowMatches(f, facts, 0)).toBe(expected);
  });
});

describe("evaluateCondition", () => {
  const withRun = (replied: boolean): ConditionFacts => ({ ...facts, run: { replied } });
  const f = (field: string, is: FieldCondition): Condition => ({ type: "field", field, is });
  const yes = f("product.category", "turntable");
  const no = f("product.category", "speaker");
  const cases: Array<[string, Condition, boolean, boolean?]> = [
    ["a field, as in where", yes, true],
    ["a field that does not hold", no, false],
    ["a field operator", f("product.sku", { in: ["LYRA-RD-2780"] }), true],
    ["replied: true, after a reply", { type: "replied", value: true }, true, true],
    ["replied: true, before any reply", { type: "replied", value: true }, false, false],
    ["replied: false, before any reply", { type: "replied", value: false }, true, false],
    [
      "all: every one holds",
      { type: "all", conditions: [yes, { type: "replied", value: true }] },
      true,
      true,
    ],
    ["all: one fails", { type: "all", conditions: [yes, no] }, false],
    ["any: one holds", { type: "any", conditions: [no, yes] }, true],
    ["any: none holds", { type: "any", conditions: [no, { type: "replied", value: true }] }, false, false],
    ["not", { type: "not", condition: no }, true],
    ["not not", { type: "not", condition: { type: "not", condition: no } }, false],
    [
      "nested: all of any and not",
      {
        type: "all",
        conditions: [
          { type: "any", conditions: [no, f("customer.attributes.tier", "gold")] },
          { type: "not", condition: { type: "replied", value: true } },
        ],
      },
      true,
      false,
    ],
  ];
  it.each(cases)("%s", (_name, condition, expected, replied = true) => {
    expect(evaluateCondition(condition, withRun(replied), 0)).toBe(expected);
  });
});

describe("describeCondition", () => {
  const cases: Array<[Condition, string]> = [
    [{ type: "field", field: "customer.attributes.vip", is: true }, "customer.attributes.vip = true"],
    [
      { type: "field", field: "product.category", is: { in: ["turntable", "amplifier"] } },
      "product.category in [turntable, amplifier]",
    ],
    [{ type: "field", field: "customer.locale", is: { not: "de" } }, "customer.locale != de"],
    [{ type: "field", field: "customer.birthday", is: { exists: false } }, "customer.birthday is missing"],
    [
      {
        type: "all",
        conditions: [
          { type: "replied", value: true },
          {
            type: "any",
            conditions: [
              { type: "replied", value: false },
              { type: "not", condition: { type: "replied", value: true } },
            ],
          },
        ],
      },
      "replied = true and (replied = false or not (replied = true))",
    ],
  ];
  it.each(cases)("%j → %s", (condition, text) => {
    expect(describeCondition(condition)).toBe(text);
  });
});
