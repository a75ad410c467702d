/** The dashboard's preview renders a text from its sms.hbs, and an email from its template. */

import { describe, expect, it } from "vitest";
import type { Brand } from "../../../../src/config/brand.js";
import { createConsentLinks } from "../../../../src/consent/links.js";
import { createConsentTokens } from "../../../../src/consent/tokens.js";
import { previewMessage } from "../../../../src/http/ui/message-preview.js";
import { createReplyAddresses } from "../../../../src/mail/tokens.js";
import type { CustomerRow, DeliveryContext, MessageRow, Store } from "../../../../src/store/store.js";
import { compileSmsTemplate } from "../../../../src/templates/sms.js";

const customer: CustomerRow = {
  id: "c1",
  email: "ada@example.com",
  name: "Ada <Lovelace>",
  timezone: null,
  locale: null,
  birthday: null,
  attributes: {},
  tags: [],
  preferences: {},
  phone: "+447911123456",
  smsConsent: true,
  smsConsentSource: "form",
  smsConsentAt: 0,
  createdAt: 0,
  updatedAt: 0,
};

const brand = {
  name: "Lyra Audio",
  from: "Lyra Audio <hello@lyra-audio.example>",
  replyDomain: "reply.lyra-audio.example",
  postalAddress: "Berlin",
  publicUrl: "https://lyra-audio.example",
} as Brand;

function depsFor(channel: MessageRow["channel"]) {
  const ctx: DeliveryContext = {
    message: { id: "0f6b7c1e-5d2a-4c7e-9a51-3b8f0e2d4a96", template: "care-tip", channel } as MessageRow,
    customer,
    product: null,
    ownership: null,
    event: null,
    suppression: null,
    smsSuppression: null,
  };
  const compiled = compileSmsTemplate("care-tip", "Hi {{customer.name}} & welcome\n", "care-tip/sms.hbs");
  if (!("template" in compiled)) throw new Error(compiled.error.message);
  return {
    // The preview reads only the delivery context (the store's read for one message).
    store: {
      deliveryContext: async (id: string) => (id === ctx.message.id ? ctx : null),
    } as unknown as Store,
    templates: new Map(),
    smsTemplates: new Map([["care-tip", compiled.template]]),
    brand,
    addresses: createReplyAddresses({ secret: "s".repeat(40), domain: brand.replyDomain }),
    consentLinks: createConsentLinks(createConsentTokens("s".repeat(40)), () => "https://rapport.test"),
  };
}

describe("previewMessage", () => {
  it("shows an SMS as its sms.hbs renders it, escaped in the HTML", async () => {
    const preview = await previewMessage("0f6b7c1e-5d2a-4c7e-9a51-3b8f0e2d4a96", depsFor("sms"));
    expect(preview).toEqual({
      ok: true,
      rendered: {
        subject: "SMS",
        text: "Hi Ada <Lovelace> & welcome",
        html: "<pre>Hi Ada &lt;Lovelace&gt; &amp; welcome</pre>",
      },
    });
  });

  it("looks for the email template for an email (none here: says so)", async () => {
    const preview = await previewMessage("0f6b7c1e-5d2a-4c7e-9a51-3b8f0e2d4a96", depsFor("email"));
    expect(preview).toEqual({ ok: false, reason: 'template "care-tip" is not in config/templates' });
  });
});
