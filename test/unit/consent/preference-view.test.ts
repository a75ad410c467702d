/** Conditions and templates read the customer's choices as `customer.preferences.*`. */

import { describe, expect, it } from "vitest";
import type { Brand } from "../../../src/config/brand.js";
import { createConsentLinks } from "../../../src/consent/links.js";
import { createConsentTokens } from "../../../src/consent/tokens.js";
import { flowMatches } from "../../../src/flows/conditions.js";
import { advance, initialRun } from "../../../src/flows/interpreter.js";
import { formatFlowError, parseFlow } from "../../../src/flows/parse.js";
import type { Flow } from "../../../src/flows/types.js";
import { templateDataFor } from "../../../src/jobs/template-data.js";
import { triggerFacts } from "../../../src/jobs/trigger-facts.js";
import { createReplyAddresses } from "../../../src/mail/tokens.js";
import type { CustomerRow, DeliveryContext, MessageRow } from "../../../src/store/store.js";
import { compileTemplate } from "../../../src/templates/compile.js";
import { renderMessage } from "../../../src/templates/render.js";
import { checkVariables } from "../../../src/templates/variables.js";
import { files, mjml, sources } from "../templates/fixtures.js";

const customer = (preferences: CustomerRow["preferences"]): CustomerRow => ({
  id: "c1",
  email: "ada@example.com",
  name: "Ada Lovelace",
  timezone: null,
  locale: null,
  birthday: null,
  attributes: {},
  tags: [],
  preferences,
  phone: null,
  smsConsent: null,
  smsConsentSource: null,
  smsConsentAt: null,
  createdAt: 0,
  updatedAt: 0,
});

const factsOf = (preferences: CustomerRow["preferences"]) =>
  triggerFacts(
    { type: "preference_changed", body: { properties: { source: "one_click", all: false } } },
    { customer: customer(preferences), product: null, ownership: null },
  );

function flowFrom(source: string): Flow {
  const result = parseFlow(source, "config/flows/x.yaml");
  if (!result.ok) throw new Error(result.errors.map(formatFlowError).join("\n"));
  return result.flow;
}

describe("customer.preferences in conditions", () => {
  it.each<[string, unknown, CustomerRow["preferences"], boolean]>([
    ["customer.preferences.all", true, {}, true],
    ["customer.preferences.all", false, {}, false],
    ["customer.preferences.all", false, { all: false }, true],
    ["customer.preferences.topics.product_news", false, { topics: { product_news: false } }, true],
    ["customer.preferences.topics.product_news", { not: false }, {}, true],
    ["customer.preferences.topics.product_news", { not: false }, { topics: { product_news: false } }, false],
    ["customer.preferences.stayInTouch", true, { stayInTouch: true }, true],
    ["customer.preferences.stayInTouch", false, {}, true],
    ["customer.preferences.frequency", { exists: false }, {}, true],
    ["customer.preferences.frequency.max", { lte: 1 }, { frequency: { max: 1, per: "week" } }, true],
    ["customer.preferences.frequency.per", "month", { frequency: { max: 1, per: "week" } }, false],
  ])("where %s: %j with %j → %s", (field, test, preferences, expected) => {
    const flow = flowFrom(
      `name: X\ntrigger:\n  event: preference_changed\n  where:\n    ${field}: ${JSON.stringify(test)}\ntransactional: true\nsteps:\n  - send: t\n`,
    );
    expect(flowMatches(flow, factsOf(preferences), 0)).toBe(expected);
  });

  it("branches on them, and on the preference_changed event's properties", () => {
    const flow = flowFrom(`name: X
trigger:
  event: preference_changed
  where:
    event.properties.source: one_click
transactional: true
steps:
  - branch:
      - if: { customer.preferences.all: false }
        then:
          - send: sorry-to-see-you-go
      - else:
          - send: thanks
`);
    const facts = factsOf({ all: false });
    expect(flowMatches(flow, facts, 0)).toBe(true);
    const { effects } = advance(flow, initialRun(), { type: "start" }, 0, { defaultTimezone: "UTC", facts });
    expect(effects.find((e) => e.type === "send")).toMatchObject({ template: "sorry-to-see-you-go" });
  });

  it("refuses a misspelt preference with a suggestion", () => {
    const result = parseFlow(
      "name: X\ntrigger:\n  event: registration\n  where:\n    customer.preferences.al: false\nsteps:\n  - send: t\n",
      "config/flows/x.yaml",
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(formatFlowError(result.errors[0] as never)).toMatch(
        /did you mean "customer\.preferences\.all"\?$/,
      );
  });
});

describe("customer.preferences in templates", () => {
  const body = [
    "{{#if customer.preferences.all}}all on{{else}}stopped{{/if}}",
    "{{#if customer.preferences.frequency}}at most {{customer.preferences.frequency.max}} a {{customer.preferences.frequency.per}}{{/if}}",
    "{{#if customer.preferences.stayInTouch}}in touch{{/if}}",
    "news {{customer.preferences.topics.product_news}}",
  ].join(" / ");

  it("are known variables", () => {
    expect(checkVariables(body, "config/templates/t/text.hbs")).toEqual([]);
    expect(checkVariables("{{customer.preferences.everything}}", "config/templates/t/text.hbs")).not.toEqual(
      [],
    );
  });

  it("render from the delivery's data", async () => {
    const template = await compileTemplate(
      "t",
      sources({ text: body, body: mjml("        <mj-text>x</mj-text>") }),
      files,
    );
    const ctx = {
      message: { id: "0f6b7c1e-5d2a-4c7e-9a51-3b8f0e2d4a96" } as MessageRow,
      customer: customer({
        frequency: { max: 1, per: "week" },
        topics: { product_news: false },
        stayInTouch: true,
      }),
      product: null,
      ownership: null,
      event: null,
      suppression: null,
      smsSuppression: null,
    } satisfies DeliveryContext;
    const brand = {
      name: "Lyra Audio",
      from: "Lyra Audio <hello@lyra-audio.example>",
      replyDomain: "reply.lyra-audio.example",
      postalAddress: "Berlin",
      publicUrl: "https://lyra-audio.example",
    } as Brand;
    const addresses = createReplyAddresses({ secret: "s".repeat(40), domain: brand.replyDomain });
    const links = createConsentLinks(createConsentTokens("s".repeat(40)), () => "https://rapport.test");
    const rendered = renderMessage(template, templateDataFor(ctx, brand, addresses, links));
    expect(rendered.text).toBe("all on / at most 1 a week / in touch / news false");
  });
});
