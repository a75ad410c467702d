import { describe, expect, it } from "vitest";
import { parseFlow } from "../../../src/flows/parse.js";
import type { Flow } from "../../../src/flows/types.js";

const DAY = 24 * 60 * 60 * 1000;

function mustParse(source: string, file = "config/flows/test.yaml"): Flow {
  const result = parseFlow(source, file);
  if (!result.ok) throw new Error(`expected a valid flow, got ${JSON.stringify(result.errors, null, 2)}`);
  return result.flow;
}

const FULL = `# yaml-language-server: $schema=../../schema/flow.schema.json
name: Thank you for registering
description: optional text
trigger:
  event: registration
  where:
    product.category: turntable
    product.sku: { in: [LYRA-RD-2780, LYRA-RD-2790] }
    customer.locale: { not: de }
    customer.birthday: { exists: true }
    customer.attributes.tier: gold
    event.properties.channel: web
    event.properties.count: 3
    customer.attributes.vip: true
entry: once_per_product
steps:
  - send: thank-you
    id: thank-you
  - wait: 14 days
  - send: check-in
`;

describe("parseFlow: valid files", () => {
  it("reads the full format", () => {
    const flow = mustParse(FULL, "config/flows/thank-you.yaml");
    expect(flow).toEqual({
      id: "thank-you",
      name: "Thank you for registering",
      description: "optional text",
      file: "config/flows/thank-you.yaml",
      version: expect.stringMatching(/^[0-9a-f]{16}$/),
      trigger: {
        event: "registration",
        where: {
          "product.category": "turntable",
          "product.sku": { in: ["LYRA-RD-2780", "LYRA-RD-2790"] },
          "customer.locale": { not: "de" },
          "customer.birthday": { exists: true },
          "customer.attributes.tier": "gold",
          "event.properties.channel": "web",
          "event.properties.count": 3,
          "customer.attributes.vip": true,
        },
      },
      entry: "once_per_product",
      steps: [
        { id: "thank-you", type: "send", template: "thank-you" },
        { id: "wait-2", type: "wait", durationMs: 14 * DAY, duration: "14 days" },
        { id: "send-3", type: "send", template: "check-in" },
      ],
      positions: {
        steps: [
          { id: "thank-you", path: "steps[0]", step: { line: 17, col: 5 }, value: { line: 17, col: 11 } },
          { id: "wait-2", path: "steps[1]", step: { line: 19, col: 5 }, value: { line: 19, col: 11 } },
          { id: "send-3", path: "steps[2]", step: { line: 20, col: 5 }, value: { line: 20, col: 11 } },
        ],
      },
    });
  });

  const minimal = "name: Minimal\ntrigger:\n  event: purchase\nsteps:\n  - send: hello\n";

  it("defaults entry to once_per_product and leaves out where and description", () => {
    const flow = mustParse(minimal);
    expect(flow.entry).toBe("once_per_product");
    expect(flow.trigger).toEqual({ event: "purchase" });
    expect(flow).not.toHaveProperty("description");
  });

  const files: Array<[string, string]> = [
    ["config/flows/a.yml", "a"],
    ["/abs/path/post_purchase-2.yaml", "post_purchase-2"],
    ["x.yaml", "x"],
  ];
  it.each(files)("takes the flow id from the file name: %s → %s", (file, id) => {
    expect(mustParse(minimal, file).id).toBe(id);
  });

  const entries = ["once", "once_per_product", "every_time"] as const;
  it.each(entries)("accepts entry: %s", (entry) => {
    expect(mustParse(`${minimal}entry: ${entry}\n`).entry).toBe(entry);
  });

  const waits: Array<[string, number]> = [
    ["14 days", 14 * DAY],
    ["2h", 2 * 60 * 60 * 1000],
    ['"1.5 hours"', 1.5 * 60 * 60 * 1000],
    ["1 week", 7 * DAY],
  ];
  it.each(waits)("reads wait: %s", (text, ms) => {
    const flow = mustParse(`${minimal}  - wait: ${text}\n`);
    expect(flow.steps[1]).toMatchObject({ type: "wait", durationMs: ms });
  });

  it("accepts flow-style YAML and aliases", () => {
    const flow = mustParse(
      "name: Flow style\ntrigger: { event: registration, where: { product.sku: &sku X-1 } }\n" +
        "steps: [ { send: a, id: first }, { wait: 2d }, { send: *sku } ]\n",
    );
    expect(flow.steps.map((s) => s.id)).toEqual(["first", "wait-2", "send-3"]);
    expect(flow.steps[2]).toMatchObject({ template: "X-1" });
  });
});

describe("parseFlow: version", () => {
  const base = mustParse(FULL).version;
  const same: Array<[string, string]> = [
    ["comments removed", FULL.replace(/^#.*\n/gm, "")],
    [
      "keys reordered",
      FULL.replace("entry: once_per_product\n", "").replace("name:", "entry: once_per_product\nname:"),
    ],
    ["flow style", FULL.replace("  - wait: 14 days", "  - { wait: 14 days }")],
    ["same wait written differently", FULL.replace("14 days", "2 weeks")],
    ["description changed", FULL.replace("optional text", "other text")],
    [
      "where entries reordered",
      FULL.replace("    product.category: turntable\n", "").replace(
        "    event.properties.count: 3\n",
        "    event.properties.count: 3\n    product.category: turntable\n",
      ),
    ],
  ];
  it.each(same)("unchanged when only the formatting changes: %s", (_name, source) => {
    expect(mustParse(source).version).toBe(base);
  });

  const different: Array<[string, string]> = [
    ["longer wait", FULL.replace("14 days", "15 days")],
    ["other template", FULL.replace("send: check-in", "send: check-in-2")],
    ["other entry rule", FULL.replace("entry: once_per_product", "entry: once")],
    ["other condition", FULL.replace("turntable", "amplifier")],
    ["step id", FULL.replace("id: thank-you", "id: thanks")],
  ];
  it.each(different)("changes when the meaning changes: %s", (_name, source) => {
    expect(mustParse(source).version).not.toBe(base);
  });
});
