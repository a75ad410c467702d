/**
 * `rapport validate`: a flow that can run without a product must not send a template that
 * reads product fields outside `{{#if product}}` (the message would fail to render), and
 * the project's own config passes.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkProductUses } from "../../../src/flows/check.js";
import { formatFlowError, parseFlow } from "../../../src/flows/parse.js";
import { productPresence } from "../../../src/flows/product-presence.js";
import type { Flow } from "../../../src/flows/types.js";
import { loadProject } from "../../../src/project.js";
import type { ProductUse } from "../../../src/templates/product-uses.js";

function flowFrom(source: string, file = "config/flows/test.yaml"): Flow {
  const result = parseFlow(source, file);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.flow;
}

const trigger = (t: string) => `name: Test\ntrigger:\n${t}\nsteps:\n  - notify: to-team\n    id: tell\n`;

describe("productPresence", () => {
  it.each<[string, string, boolean | RegExp]>([
    ["a reply", "  event: reply", /"reply" event has no product when the mail is known only by its sender/],
    ["an owner message", "  event: owner_message", /"owner_message" event/],
    // The event API refuses a registration or purchase without a product.
    ["a registration", "  event: registration", true],
    ["a purchase excluding one SKU", "  event: purchase\n  where:\n    product.sku: { not: LYRA-1 }", true],
    [
      "a disposition",
      "  event: disposition",
      /"disposition" event names a product, but has none when the customer does not own it/,
    ],
    [
      "a custom event naming a product",
      "  event: product_news\n  where:\n    product.sku: LYRA-1",
      /does not own/,
    ],
    [
      "a custom event requiring an ownership",
      "  event: product_news\n  where:\n    ownership.status: active",
      true,
    ],
    ["an anniversary", '  date: ownership.started\n  every: year\n  at: "10:00"', true],
    ["a birthday", '  date: customer.birthday\n  every: year\n  at: "09:00"', /birthday date trigger/],
  ])("%s", (_name, t, expected) => {
    const presence = productPresence(flowFrom(trigger(t)));
    if (expected === true) expect(presence).toEqual({ certain: true });
    else expect(presence).toMatchObject({ certain: false, why: expect.stringMatching(expected as RegExp) });
  });
});

describe("checkProductUses", () => {
  const use = (file: string, line: number, col: number, variable: string): ProductUse => ({
    file,
    line,
    col,
    variable,
  });
  const unguarded = {
    productUses: [
      use("config/templates/to-team/text.hbs", 3, 23, "product.name"),
      use("config/templates/to-team/text.hbs", 3, 60, "product.serial"),
      use("config/templates/to-team/text.hbs", 9, 2, "product.name"),
      use("config/templates/to-team/body.mjml", 42, 32, "product.name"),
    ],
  };
  const guarded = { productUses: [] };

  it("flags a reply flow reaching an unguarded template: flow file, step, template file, variables, the fix", () => {
    const flow = flowFrom(trigger("  event: reply"), "config/flows/replies.yaml");
    expect(checkProductUses([flow], new Map([["to-team", unguarded]])).map(formatFlowError)).toEqual([
      'config/flows/replies.yaml:5:13: steps[0].notify: step "tell" uses template "to-team", and config/templates/to-team/text.hbs:3:23 reads product.name, product.serial outside {{#if product}}, but this flow can run without a product (the "reply" event has no product when the mail is known only by its sender\'s address); the message would fail. Guard it: {{#if product}}{{product.name}}{{else}}…{{/if}}',
      'config/flows/replies.yaml:5:13: steps[0].notify: step "tell" uses template "to-team", and config/templates/to-team/body.mjml:42:32 reads product.name outside {{#if product}}, but this flow can run without a product (the "reply" event has no product when the mail is known only by its sender\'s address); the message would fail. Guard it: {{#if product}}{{product.name}}{{else}}…{{/if}}',
    ]);
  });

  it("follows nested steps", () => {
    const flow = flowFrom(`name: Nested
trigger:
  event: review
steps:
  - wait_for_reply: 3 days
    id: answer
    on_reply:
      - send: to-team
        id: thanks
`);
    expect(checkProductUses([flow], new Map([["to-team", unguarded]]))).toEqual([
      expect.objectContaining({
        path: "steps[0].on_reply[0].send",
        line: 8,
        message: expect.stringMatching(/step "thanks"/),
      }),
      expect.objectContaining({ path: "steps[0].on_reply[0].send", line: 8 }),
    ]);
  });

  it.each<[string, string, Map<string, { productUses: ProductUse[] }>]>([
    ["a guarded template", "  event: reply", new Map([["to-team", guarded]])],
    [
      "a flow that always has a product",
      '  date: ownership.started\n  every: year\n  at: "10:00"',
      new Map([["to-team", unguarded]]),
    ],
    ["a missing template (checkFlowReferences reports it)", "  event: reply", new Map()],
  ])("passes %s", (_name, t, templates) => {
    expect(checkProductUses([flowFrom(trigger(t))], templates)).toEqual([]);
  });
});

describe("the shipped config", () => {
  it("validates clean: every shipped template renders without a product where a flow may have none", async () => {
    const result = await loadProject(resolve("config"));
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});
