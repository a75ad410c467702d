/**
 * What the newer constructs parse to: date triggers, comparisons, dates, tags, ownership,
 * wait_until, wait_for, tag / untag / set, entry windows, relationship, exit_when, goal.
 */
import { describe, expect, it } from "vitest";
import { parseFlow } from "../../../src/flows/parse.js";
import type { Flow } from "../../../src/flows/types.js";

const DAY = 24 * 60 * 60 * 1000;

function flowOf(source: string, file = "config/flows/x.yaml"): Flow {
  const result = parseFlow(source, file);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join("\n"));
  return result.flow;
}

describe("date triggers", () => {
  it("birthday at a local time", () => {
    const flow = flowOf(
      'name: B\ntrigger:\n  date: customer.birthday\n  at: "09:30"\n  where:\n    customer.attributes.newsletter: true\nsteps:\n  - send: a\n',
    );
    expect(flow.trigger).toEqual({
      date: "customer.birthday",
      every: "year",
      at: "09:30",
      where: { "customer.attributes.newsletter": true },
    });
  });

  it("anniversary: every year by default, 09:00 by default", () => {
    const flow = flowOf("name: A\ntrigger:\n  date: ownership.started\nsteps:\n  - send: a\n");
    expect(flow.trigger).toEqual({ date: "ownership.started", every: "year", at: "09:00" });
    const explicit = flowOf(
      'name: A\ntrigger:\n  date: ownership.started\n  every: year\n  at: "09:00"\nsteps:\n  - send: a\n',
    );
    expect(explicit.version).toBe(flow.version);
  });
});

describe("conditions", () => {
  it("comparisons, dates, contains, tagged, owns", () => {
    const flow = flowOf(
      [
        "name: C",
        "trigger:",
        "  event: purchase",
        "  where:",
        "    customer.attributes.visits: { gte: 3, lt: 10 }",
        '    ownership.started: { before: "30 days ago", after: "2020-01-01" }',
        "    customer.tags: { contains: vip }",
        "steps:",
        "  - branch:",
        "      - if: { tagged: vip, owns: { category: turntable } }",
        "        then: [ { send: a } ]",
        "      - if: { owns: { sku: LYRA-RD-2780 } }",
        "        then: [ { send: b } ]",
      ].join("\n"),
    );
    expect(flow.trigger).toMatchObject({
      event: "purchase",
      where: {
        "customer.attributes.visits": { gte: 3, lt: 10 },
        "ownership.started": { before: "30 days ago", after: "2020-01-01" },
        "customer.tags": { contains: "vip" },
      },
    });
    const branch = flow.steps[0];
    expect(branch?.type === "branch" && branch.arms.map((a) => a.when)).toEqual([
      {
        type: "all",
        conditions: [
          { type: "owns", category: "turntable" },
          { type: "field", field: "customer.tags", is: { contains: "vip" } },
        ],
      },
      { type: "owns", sku: "LYRA-RD-2780" },
    ]);
  });
});

describe("steps", () => {
  const flow = flowOf(
    [
      "name: S",
      "trigger:",
      "  event: purchase",
      "steps:",
      '  - wait_until: { date: customer.birthday, offset: "-1 day", at: "09:00" }',
      '  - wait_until: { at: "10:00", days: [fri, mon, tue, wed, thu, mon] }',
      "  - wait_until: { date: ownership.started, offset: 30 days }",
      "  - wait_for: { event: purchase, timeout: 30 days }",
      "    id: again",
      "    on_event:",
      "      - tag: repeat-buyer",
      "    on_timeout:",
      "      - send: we-miss-you",
      "  - tag: [vip, vip, early]",
      "  - untag: trial",
      "  - set: { customer.attributes.tier: gold, customer.attributes.level: 2 }",
    ].join("\n"),
  );

  it("parse to the interpreter's shapes, with automatic ids", () => {
    expect(flow.steps).toEqual([
      {
        id: "wait_until-1",
        type: "wait_until",
        until: { date: "customer.birthday", offsetMs: -DAY, offset: "-1 day", at: "09:00" },
      },
      { id: "wait_until-2", type: "wait_until", until: { at: "10:00", days: [0, 1, 2, 3, 4] } },
      {
        id: "wait_until-3",
        type: "wait_until",
        until: { date: "ownership.started", offsetMs: 30 * DAY, offset: "30 days", at: "09:00" },
      },
      {
        id: "again",
        type: "wait_for",
        event: "purchase",
        timeoutMs: 30 * DAY,
        timeout: "30 days",
        onEvent: [{ id: "again.on_event.tag-1", type: "tag", add: ["repeat-buyer"], remove: [] }],
        onTimeout: [{ id: "again.on_timeout.send-1", type: "send", template: "we-miss-you" }],
      },
      { id: "tag-5", type: "tag", add: ["vip", "early"], remove: [] },
      { id: "tag-6", type: "tag", add: [], remove: ["trial"] },
      {
        id: "set-7",
        type: "set",
        values: [
          { field: "customer.attributes.level", value: 2 },
          { field: "customer.attributes.tier", value: "gold" },
        ],
      },
    ]);
  });

  it("positions point at each step's value (an untag step at its untag)", () => {
    expect(flow.positions?.steps.find((p) => p.id === "tag-6")).toEqual({
      id: "tag-6",
      path: "steps[5]",
      step: { line: 15, col: 5 },
      value: { line: 15, col: 12 },
    });
    expect(flow.positions?.steps.map((p) => p.id)).toContain("again.on_timeout.send-1");
  });
});

describe("run rules", () => {
  it("entry window, relationship, exit_when and goal", () => {
    const flow = flowOf(
      [
        "name: R",
        "trigger:",
        "  event: purchase",
        "entry: { at_most_once_in: 30 days }",
        "relationship: one_time",
        "exit_when:",
        "  ownership.status: disposed",
        "goal:",
        "  any:",
        "    - tagged: reviewed",
        "    - replied: true",
        "steps:",
        "  - send: a",
      ].join("\n"),
    );
    expect(flow.entry).toEqual({ rule: "at_most_once_in", windowMs: 30 * DAY, window: "30 days" });
    expect(flow.relationship).toBe("one_time");
    expect(flow.exitWhen).toEqual({ type: "field", field: "ownership.status", is: "disposed" });
    expect(flow.goal).toEqual({
      type: "any",
      conditions: [
        { type: "field", field: "customer.tags", is: { contains: "reviewed" } },
        { type: "replied", value: true },
      ],
    });
  });

  it("the version changes with the rules, not with how a window is written", () => {
    const base = "name: R\ntrigger:\n  event: purchase\nsteps:\n  - send: a\n";
    const plain = flowOf(base).version;
    const withRule = (extra: string) => flowOf(`${base}${extra}`).version;
    expect(withRule("exit_when: { ownership.status: disposed }\n")).not.toBe(plain);
    expect(withRule("goal: { tagged: x }\n")).not.toBe(plain);
    expect(withRule("relationship: repeat\n")).not.toBe(plain);
    expect(withRule("entry: { at_most_once_in: 4 weeks }\n")).toBe(
      withRule("entry: { at_most_once_in: 28 days }\n"),
    );
  });
});
