import { describe, expect, it } from "vitest";
import { broadcastBodySchema, parseBroadcastBody } from "../../../src/events/broadcast-body.js";

const flows = ["product-news", "thank-you"];

describe("broadcast body validation", () => {
  it.each([
    ["a SKU", { flow: "product-news", audience: { sku: "LYRA-RD-2780" } }],
    ["a category", { flow: "product-news", audience: { category: "turntable" } }],
    [
      "everything",
      {
        id: "news:2026-05.platter-mat",
        flow: "product-news",
        audience: { category: "turntable" },
        properties: { headline: "A new platter mat", discount: 50, members: true, note: null },
      },
    ],
  ])("accepts %s", (_, body) => {
    expect(parseBroadcastBody(body, flows)).toEqual({ ok: true, body });
  });

  it.each([
    [
      "an unknown flow",
      { flow: "nope", audience: { sku: "X" } },
      "flow",
      'no flow "nope"; flows: product-news, thank-you',
    ],
    [
      "both sku and category",
      { flow: "product-news", audience: { sku: "X", category: "y" } },
      "audience",
      /exactly one/,
    ],
    ["neither sku nor category", { flow: "product-news", audience: {} }, "audience", /exactly one/],
    ["no audience", { flow: "product-news" }, "audience", /expected object/i],
    ["a bad SKU", { flow: "product-news", audience: { sku: "no spaces" } }, "audience.sku", /SKU/],
    [
      "an unknown audience field",
      { flow: "product-news", audience: { sku: "X", owners: 3 } },
      "audience",
      /owners/,
    ],
    ["an unknown field", { flow: "product-news", audience: { sku: "X" }, when: "now" }, "(body)", /when/],
    [
      "nested properties",
      { flow: "product-news", audience: { sku: "X" }, properties: { a: { b: 1 } } },
      "properties.a",
      /.+/,
    ],
    ["a bad id", { id: "has space", flow: "product-news", audience: { sku: "X" } }, "id", /letters, digits/],
    ["a flow that is not a string", { flow: 3, audience: { sku: "X" } }, "flow", /string/],
  ])("names the field for %s", (_, body, field, message) => {
    const result = parseBroadcastBody(body, flows);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => i.field === field);
    expect(issue, JSON.stringify(result.issues)).toBeDefined();
    if (typeof message === "string") expect(issue?.message).toBe(message);
    else expect(issue?.message).toMatch(message);
  });

  it("reports an unknown flow along with the other bad fields", () => {
    const result = parseBroadcastBody({ flow: "nope", audience: {} }, flows);
    expect(result.ok ? [] : result.issues.map((i) => i.field).sort()).toEqual(["audience", "flow"]);
  });

  it("is strict on its own (the CLI checks a body before posting it)", () => {
    expect(broadcastBodySchema.safeParse({ flow: "x", audience: { sku: "X" } }).success).toBe(true);
    expect(broadcastBodySchema.safeParse({ flow: "x", audience: { sku: "X" }, extra: 1 }).success).toBe(
      false,
    );
  });
});
