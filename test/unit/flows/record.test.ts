import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { flowDocument } from "../../../src/flows/document.js";
import { parseFlow } from "../../../src/flows/parse.js";
import { FLOW_RECORD_FORMAT, flowRecordText, readFlowRecord } from "../../../src/flows/record.js";
import type { Flow } from "../../../src/flows/types.js";
import { flowVersion } from "../../../src/flows/version.js";

function parsed(source: string, file: string): Flow {
  const result = parseFlow(source, file);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.flow;
}

/** A flow as the record keeps it: no source positions. */
function withoutPositions(flow: Flow): Omit<Flow, "positions"> {
  const { positions: _positions, ...rest } = flow;
  return rest;
}

const SHIPPED = readdirSync("config/flows")
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => ({ name: `config/flows/${f}`, source: readFileSync(join("config/flows", f), "utf8") }));

/** Every setting and step form the language has, nested, with automatic and chosen ids. */
const LANGUAGE = [
  {
    name: "every step kind, nested",
    source: `name: Everything
description: notes for people
trigger:
  event: registration
  where: { product.category: turntable, ownership.started: { after: "30 days ago" }, customer.tags: { contains: vip } }
entry: { at_most_once_in: 2 weeks }
relationship: one_time
runs_in_flight: move
transactional: true
topic: check_ins
exit_when: { ownership.status: disposed }
goal: { any: [ { tagged: reviewed }, { not: { replied: false } } ] }
steps:
  - send: thank-you
  - send: { template: care-tip, channel: sms }
    id: tip
    transactional: false
    topic: product_news
  - wait: "14 days"
  - wait_for_reply: 7 days
    id: ask
    on_reply:
      - branch:
          - if: { reply.text: { matches: "^(yes|y)$" }, owns: { category: turntable } }
            then: [ { tag: [fan, happy] }, { set: { customer.attributes.tier: gold, customer.attributes.n: 3 } } ]
          - if: { all: [ { customer.attributes.vip: true }, { product.sku: { in: [A, 2] } } ] }
            then: []
          - else:
              - untag: fan
              - exit: not a fan
    on_timeout:
      - notify: owner-message-to-team
  - wait_until: { date: customer.birthday, offset: "-1 day", at: "10:30", days: [fri, mon] }
  - wait_until: { at: "09:00", days: [tue] }
  - wait_for: { event: purchase, timeout: 30 days }
    on_event: [ { send: welcome-back, id: back } ]
    on_timeout: [ exit ]
  - exit
`,
  },
  {
    name: "a date trigger",
    source: `name: Birthday
trigger: { date: customer.birthday, at: "10:00", where: { customer.locale: en } }
entry: every_time
steps:
  - send: birthday
  - exit: null
`,
  },
];

describe("flow versions on record (format 1)", () => {
  it.each([...SHIPPED, ...LANGUAGE])("$name reads back as the same flow and version", ({ name, source }) => {
    const flow = parsed(source, name.startsWith("config/") ? name : "config/flows/f.yaml");
    const text = flowRecordText(flow);
    expect(JSON.parse(text)).toMatchObject({ format: FLOW_RECORD_FORMAT, flow: { name: flow.name } });
    const read = readFlowRecord(text, { flowId: flow.id, version: flow.version, file: flow.file });
    if (!read.ok) throw new Error(read.error);
    expect(read.format).toBe(1);
    expect(read.flow).toEqual(withoutPositions(flow));
    // The version is the record's, and re-hashing the flow read back gives it too.
    expect(flowVersion(read.flow)).toBe(flow.version);
  });

  it.each([...SHIPPED, ...LANGUAGE])(
    "$name in the unversioned form older rapports wrote is upgraded",
    ({ name, source }) => {
      const flow = parsed(source, name.startsWith("config/") ? name : "config/flows/f.yaml");
      // Exactly what recordFlowVersions stored before format 1: the Flow without positions.
      const old = JSON.stringify(withoutPositions(flow));
      const read = readFlowRecord(old, { flowId: flow.id, version: flow.version, file: flow.file });
      if (!read.ok) throw new Error(read.error);
      expect(read.format).toBe(0);
      expect(read.flow).toEqual(withoutPositions(flow));
    },
  );

  const row = { flowId: "f", version: "abc", file: "config/flows/f.yaml" };
  const good = JSON.parse(flowRecordText(parsed(LANGUAGE[1]?.source ?? "", "config/flows/f.yaml")));
  it.each([
    { why: "not JSON", text: "{", says: "it is not JSON" },
    { why: "a list", text: "[]", says: 'expected an object like { "format": 1' },
    { why: "neither form", text: '{"name":"x"}', says: "or an older rapport's flow definition" },
    {
      why: "a newer format",
      text: JSON.stringify({ ...good, format: 2 }),
      says: "it is in format 2, and this rapport reads format 1 (a newer rapport wrote it",
    },
    { why: "a format that is no number", text: '{"format":"1","flow":{}}', says: 'it is in format "1"' },
    { why: "no flow", text: '{"format":1}', says: '"flow" must be the flow file as an object' },
    {
      why: "a flow the schema refuses",
      text: JSON.stringify({ format: 1, flow: { ...good.flow, steps: [{ wait: "14 dayz" }] } }),
      says: 'steps[0].wait: expected a duration like "14 days"',
    },
    {
      why: "an old form with an unknown step",
      text: JSON.stringify({
        id: "f",
        name: "F",
        trigger: { event: "x" },
        entry: "once",
        steps: [{ type: "jump" }],
      }),
      says: "unversioned form of older rapports but not a flow they wrote (unknown step",
    },
  ])("refuses $why, naming the flow and version", ({ text, says }) => {
    const read = readFlowRecord(text, row);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.error).toContain('the record of flow "f" version abc (config/flows/f.yaml) cannot be read: ');
    expect(read.error).toContain(says);
  });

  it("writes a chosen id only where it differs from the automatic one", () => {
    const flow = parsed(LANGUAGE[0]?.source ?? "", "config/flows/f.yaml");
    const steps = flowDocument(flow).steps as Array<Record<string, unknown>>;
    expect(steps[0]).not.toHaveProperty("id");
    expect(steps[1]).toMatchObject({ id: "tip" });
    expect(steps[3]).toMatchObject({ id: "ask" });
  });

  it("refuses to write a tag step that both adds and removes (no flow file says that)", () => {
    const flow = parsed("name: F\ntrigger: { event: x }\nsteps: [ { tag: a } ]\n", "config/flows/f.yaml");
    const both: Flow = { ...flow, steps: [{ id: "t", type: "tag", add: ["a"], remove: ["b"] }] };
    expect(() => flowRecordText(both)).toThrow('step "t" adds [a] and removes [b]');
  });
});
