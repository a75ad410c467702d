import { describe, expect, it } from "vitest";
import { formatTemplateError } from "../../../src/templates/errors.js";
import { checkTemplateVariables, checkVariables } from "../../../src/templates/variables.js";
import { files, mjml, sources } from "./fixtures.js";

const check = (source: string, html = false) =>
  checkVariables(source, "t.hbs", { html }).map(formatTemplateError);

describe("the variable check", () => {
  it("flags a typo at its exact file:line:col in body.mjml, with a suggestion", () => {
    const body = mjml(`        <mj-text>Thanks!</mj-text>
        <mj-text>Hi {{customer.frstName}},</mj-text>`);
    expect(checkTemplateVariables(sources({ body }), files).map(formatTemplateError)).toEqual([
      'config/templates/t/body.mjml:6:23: unknown variable "customer.frstName" (did you mean "customer.firstName"?)',
    ]);
  });

  it("flags unknown roots, fields under values, and lists what exists when nothing is close", () => {
    expect(check("{{custmer.email}}\n  {{customer.email.domain}} {{shoe}}")).toEqual([
      't.hbs:1:3: unknown variable "custmer.email" (did you mean "customer.email"?)',
      't.hbs:2:5: "customer.email.domain": customer.email is a single value; it has no field "domain"',
      't.hbs:2:31: unknown variable "shoe" (templates see customer, product, brand, event, message, ownerAddress, ownerMailbox, replyAddress, preferencesUrl, unsubscribeUrl)',
    ]);
  });

  it("accepts every known path and anything under the dynamic bags", () => {
    expect(
      check(`{{customer.email}} {{customer.name}} {{customer.firstName}} {{customer.locale}} {{customer.timezone}}
{{customer.birthday}} {{customer.attributes.shoeSize}} {{customer.attributes.a.b}}
{{product.sku}} {{product.name}} {{product.category}} {{product.serial}}
{{brand.name}} {{brand.fromAddress}} {{brand.postalAddress}} {{brand.publicUrl}} {{brand.supportAddress}}
{{event.type}} {{event.properties.store}} {{message.id}}`),
    ).toEqual([]);
  });

  it("checks helper names and their arguments", () => {
    expect(
      check(`{{formatdate customer.birthday}} {{default customer.nme "there"}}
{{address (default brand.supportAdress brand.fromAddress)}} {{formatDate customer.birthday style="long"}}`),
    ).toEqual([
      't.hbs:1:3: unknown helper "formatdate" (did you mean "formatDate"?)',
      't.hbs:1:44: unknown variable "customer.nme" (did you mean "customer.name"?)',
      't.hbs:2:20: unknown variable "brand.supportAdress" (did you mean "brand.supportAddress"?)',
    ]);
  });

  it("follows {{#with}} and sections into their context, and ../ back out", () => {
    expect(check("{{#with product}}{{name}} {{nme}} {{../brand.name}} {{../brand.nam}}{{/with}}")).toEqual([
      't.hbs:1:29: unknown variable "nme" (did you mean "name"?)',
      't.hbs:1:55: unknown variable "../brand.nam" (did you mean "../brand.name"?)',
    ]);
    expect(check("{{#product}}{{sku}} {{skus}}{{/product}}")).toEqual([
      't.hbs:1:23: unknown variable "skus" (did you mean "sku"?)',
    ]);
    expect(check("{{#with product as |p|}}{{p.serial}} {{p.serail}}{{/with}}")).toEqual([
      't.hbs:1:40: unknown variable "p.serail" (did you mean "p.serial"?)',
    ]);
  });

  it("keeps the context in {{#if}} and {{else}}", () => {
    expect(check("{{#if product}}{{product.name}}{{else}}{{product.nam}}{{/if}}")).toEqual([
      't.hbs:1:42: unknown variable "product.nam" (did you mean "product.name"?)',
    ]);
  });

  it("leaves what it cannot know inside {{#each}}, but checks @root, ../ and data variables", () => {
    const source = `{{#each customer.attributes as |value key|}}
{{key}}: {{value.whatever}} {{this}} {{anything}} {{@index}} {{@key}}
{{@indx}} {{@root.brand.nme}} {{../customer.emial}}
{{/each}}`;
    expect(check(source)).toEqual([
      't.hbs:3:3: unknown data variable "@indx" (did you mean "@index"?)',
      't.hbs:3:13: unknown variable "@root.brand.nme" (did you mean "@root.brand.name"?)',
      't.hbs:3:33: unknown variable "../customer.emial" (did you mean "../customer.email"?)',
    ]);
  });

  it("flags printing a whole group, partials, and unescaped output in HTML only", () => {
    expect(check("{{product}} {{> footer}}")).toEqual([
      't.hbs:1:3: "product" is a group of fields (sku, name, category, serial), not a value to print; did you mean "product.sku"?',
      "t.hbs:1:13: partials ({{> name}}) are not available in templates; each template is its own three files",
    ]);
    expect(check("{{{customer.name}}}", true)).toEqual([
      "t.hbs:1:1: {{{…}}} writes into the HTML unescaped (a customer's name could carry markup); use {{…}}",
    ]);
    expect(check("{{{customer.name}}}", false)).toEqual([]);
  });

  it("leaves sources that do not parse to the compiler", () => {
    expect(check("{{#if customer.nme}}")).toEqual([]);
  });
});
