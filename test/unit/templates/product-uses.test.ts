/**
 * Where a template reads a product field without `{{#if product}}` around it: each such
 * read throws for a message that has no product (strict mode reads through null).
 */
import { describe, expect, it } from "vitest";
import { unguardedProductUses } from "../../../src/templates/product-uses.js";

const uses = (source: string) =>
  unguardedProductUses(source, "t/text.hbs").map((u) => `${u.line}:${u.col} ${u.variable}`);

describe("unguardedProductUses", () => {
  it.each<[string, string, string[]]>([
    // Flagged: every way a read reaches through a null product.
    ["a plain read", "Your {{product.name}}.", ["1:8 product.name"]],
    ["a helper's argument", 'Your {{default product.name "turntable"}}.', ["1:16 product.name"]],
    [
      "a subexpression",
      '{{default (default product.name product.sku) "x"}}',
      ["1:20 product.name", "1:33 product.sku"],
    ],
    ["a hash value", "{{formatDate event.properties.at locale=product.category}}", ["1:41 product.category"]],
    [
      "an {{#if}} on a field (it reads through null too)",
      "{{#if product.serial}}x{{/if}}",
      ["1:7 product.serial"],
    ],
    [
      "the {{else}} of {{#if product}}",
      "{{#if product}}ok{{else}}{{product.sku}}{{/if}}",
      ["1:28 product.sku"],
    ],
    [
      "the body of {{#unless product}}",
      "{{#unless product}}{{product.sku}}{{/unless}}",
      ["1:22 product.sku"],
    ],
    [
      "@root.product inside {{#each}}",
      "{{#each event.properties.items}}{{@root.product.sku}}{{/each}}",
      ["1:35 @root.product.sku"],
    ],
    [
      "../product from one frame down",
      "{{#each event.properties.items}}{{../product.name}}{{/each}}",
      ["1:35 ../product.name"],
    ],
    ["a guard on something else", "{{#if customer.name}}{{product.name}}{{/if}}", ["1:24 product.name"]],
    ["a second line", "Hi\n  {{product.name}}", ["2:5 product.name"]],
    ["this.product at the root", "{{this.product.name}}", ["1:3 this.product.name"]],
    // Clean: guarded, or not the data's product.
    [
      "inside {{#if product}}",
      '{{#if product}}{{default product.name "x"}}{{#if product.serial}}{{product.serial}}{{/if}}{{/if}}',
      [],
    ],
    ["{{else if product}}", "{{#if customer.name}}a{{else if product}}{{product.name}}{{/if}}", []],
    ["the {{else}} of {{#unless product}}", "{{#unless product}}none{{else}}{{product.name}}{{/unless}}", []],
    ["inside {{#with product}}", "{{#with product}}{{name}} {{../product.sku}}{{/with}}", []],
    ["a {{#product}} section", "{{#product}}{{name}}{{/product}}", []],
    [
      "inside {{#if @root.product}}",
      "{{#each event.properties.items}}{{#if @root.product}}{{@root.product.sku}}{{/if}}{{/each}}",
      [],
    ],
    [
      "a guard one frame down",
      "{{#each event.properties.items}}{{#if ../product}}{{../product.name}}{{/if}}{{/each}}",
      [],
    ],
    ["product of an item inside {{#each}}", "{{#each event.properties.items}}{{product.name}}{{/each}}", []],
    [
      "a block param named product",
      "{{#each event.properties.items as |product|}}{{product.name}}{{/each}}",
      [],
    ],
    ["the product itself", "{{#if product}}yes{{/if}}", []],
    ["customer fields", "{{customer.name}} {{default customer.firstName 'there'}}", []],
    ["lookup, which is null-safe", '{{default (lookup product "name") "turntable"}}', []],
    ["a source that does not parse", "{{#if product}}{{product.name}}", []],
  ])("%s", (_name, source, expected) => {
    expect(uses(source)).toEqual(expected);
  });

  it("places uses in body.mjml, not in MJML's output", () => {
    const body = '<mjml>\n  <mj-body>\n    <mj-text>Your {{default product.name "turntable"}}</mj-text>\n';
    expect(unguardedProductUses(body, "t/body.mjml")).toEqual([
      { file: "t/body.mjml", line: 3, col: 29, variable: "product.name" },
    ]);
  });
});
