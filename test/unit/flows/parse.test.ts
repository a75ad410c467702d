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
        trigger: { line: 5, col: 10 },
        where: { line: 7, col: 5 },
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

describe("parseFlow: nested steps", () => {
  const NESTED = `name: Nested
trigger:
  event: registration
steps:
  - send: question
  - wait_for_reply: 7 days
    id: answer
    on_reply:
      - send: thanks
      - branch:
          - if: { customer.attributes.vip: true, replied: true }
            then:
              - notify: team
          - if:
              any:
                - product.category: { in: [turntable, amplifier] }
                - not: { replied: false }
            then: [ { send: hifi } ]
          - else:
              - exit: not interested
    on_timeout:
  - exit
`;

  it("reads wait_for_reply, branch, notify and exit with automatic nested ids", () => {
    const flow = mustParse(NESTED);
    expect(flow.steps).toEqual([
      { id: "send-1", type: "send", template: "question" },
      {
        id: "answer",
        type: "wait_for_reply",
        timeoutMs: 7 * DAY,
        timeout: "7 days",
        onReply: [
          { id: "answer.on_reply.send-1", type: "send", template: "thanks" },
          {
            id: "answer.on_reply.branch-2",
            type: "branch",
            arms: [
              {
                when: {
                  type: "all",
                  conditions: [
                    { type: "field", field: "customer.attributes.vip", is: true },
                    { type: "replied", value: true },
                  ],
                },
                steps: [{ id: "answer.on_reply.branch-2.then-1.notify-1", type: "notify", template: "team" }],
              },
              {
                when: {
                  type: "any",
                  conditions: [
                    { type: "field", field: "product.category", is: { in: ["turntable", "amplifier"] } },
                    { type: "not", condition: { type: "replied", value: false } },
                  ],
                },
                steps: [{ id: "answer.on_reply.branch-2.then-2.send-1", type: "send", template: "hifi" }],
              },
              {
                when: null,
                steps: [
                  { id: "answer.on_reply.branch-2.else.exit-1", type: "exit", reason: "not interested" },
                ],
              },
            ],
          },
        ],
        onTimeout: [],
      },
      { id: "exit-3", type: "exit", reason: null },
    ]);
  });

  it("records every step's position, nested ones included, in reading order", () => {
    expect(mustParse(NESTED).positions?.steps).toEqual([
      { id: "send-1", path: "steps[0]", step: { line: 5, col: 5 }, value: { line: 5, col: 11 } },
      { id: "answer", path: "steps[1]", step: { line: 6, col: 5 }, value: { line: 6, col: 21 } },
      {
        id: "answer.on_reply.send-1",
        path: "steps[1].on_reply[0]",
        step: { line: 9, col: 9 },
        value: { line: 9, col: 15 },
      },
      {
        id: "answer.on_reply.branch-2",
        path: "steps[1].on_reply[1]",
        step: { line: 10, col: 9 },
        value: { line: 11, col: 11 },
        // Each arm's if: (the else arm: its else:), where checks of its condition point.
        arms: [
          { line: 11, col: 17 },
          { line: 15, col: 15 },
          { line: 20, col: 15 },
        ],
      },
      {
        id: "answer.on_reply.branch-2.then-1.notify-1",
        path: "steps[1].on_reply[1].branch[0].then[0]",
        step: { line: 13, col: 17 },
        value: { line: 13, col: 25 },
      },
      {
        id: "answer.on_reply.branch-2.then-2.send-1",
        path: "steps[1].on_reply[1].branch[1].then[0]",
        step: { line: 18, col: 21 },
        value: { line: 18, col: 29 },
      },
      {
        id: "answer.on_reply.branch-2.else.exit-1",
        path: "steps[1].on_reply[1].branch[2].else[0]",
        step: { line: 20, col: 17 },
        value: { line: 20, col: 23 },
      },
      { id: "exit-3", path: "steps[2]", step: { line: 22, col: 5 }, value: { line: 22, col: 5 } },
    ]);
  });

  it("condition key order does not change the version; a condition value does", () => {
    const base = mustParse(NESTED).version;
    const reordered = NESTED.replace(
      "{ customer.attributes.vip: true, replied: true }",
      "{ replied: true, customer.attributes.vip: true }",
    );
    expect(mustParse(reordered).version).toBe(base);
    expect(mustParse(NESTED.replace("replied: true }", "replied: false }")).version).not.toBe(base);
    expect(mustParse(NESTED.replace("7 days", "8 days")).version).not.toBe(base);
  });

  it("a flow of sends and waits keeps the version it had before nesting existed", () => {
    const source =
      "name: Thank you for registering\ntrigger:\n  event: registration\nsteps:\n  - send: thank-you\n    id: thank-you\n  - wait: 14 days\n    id: two-weeks\n  - send: check-in\n    id: check-in\n";
    // The hash of this meaning before wait_for_reply/branch/notify/exit were added.
    expect(mustParse(source, "config/flows/thank-you.yaml").version).toBe("5273c945669f6df3");
  });
});
