import { describe, expect, it } from "vitest";
import { describeIssues, eventBodySchema } from "../../../src/events/event-body.js";
import { PHONE_EXPECTED, toE164 } from "../../../src/events/phone.js";

describe("phone numbers", () => {
  it.each([
    ["+447911123456", "+447911123456"],
    ["+44 7911 123456", "+447911123456"],
    ["+49 (0)151 2345-6789", "+4915123456789"], // the trunk 0 in brackets, as forms often have it
    ["+49 151 23456789", "+4915123456789"],
    ["+33 6 12 34 56 78", "+33612345678"],
    ["+1 202-555-0123", "+12025550123"],
  ])("takes %s as %s", (input, e164) => {
    expect(toE164(input)).toBe(e164);
  });

  it.each([
    ["no country code", "07911 123456"],
    ["too short", "+44 7911"],
    ["a number no operator was given (UK drama range)", "+447700900123"],
    ["letters", "+44 7911 CALLME"],
    ["empty", ""],
  ])("refuses %s", (_label, input) => {
    expect(toE164(input)).toBeNull();
  });
});

describe("customer.phone and customer.consent in events", () => {
  // A registration names its product (event-body.ts); the phone and consent ride beside it.
  const base = { type: "registration", customer: { email: "ada@example.com" }, product: { sku: "LYRA-1" } };

  it("stores the phone in E.164", () => {
    const parsed = eventBodySchema.parse({
      ...base,
      customer: { ...base.customer, phone: "+44 7911 123456" },
    });
    expect(parsed.customer.phone).toBe("+447911123456");
  });

  it("names customer.phone when it is not a valid international number", () => {
    const parsed = eventBodySchema.safeParse({
      ...base,
      customer: { ...base.customer, phone: "07911 123456" },
    });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(describeIssues(parsed.error)).toEqual([{ field: "customer.phone", message: PHONE_EXPECTED }]);
  });

  it("takes SMS consent with its source and time", () => {
    const parsed = eventBodySchema.parse({
      ...base,
      customer: {
        ...base.customer,
        phone: "+447911123456",
        consent: { sms: true, source: "registration form", at: "2026-11-27T09:00:00Z" },
      },
    });
    expect(parsed.customer.consent).toEqual({
      sms: true,
      source: "registration form",
      at: "2026-11-27T09:00:00Z",
    });
  });

  it.each([
    ["a consent without a source", { sms: true }, "customer.consent.source"],
    ["a consent that is not a yes or no", { sms: "yes", source: "form" }, "customer.consent.sms"],
    ["a consent to something unknown", { sms: true, source: "form", fax: true }, "customer.consent"],
  ])("refuses %s, naming the field", (_label, consent, field) => {
    const parsed = eventBodySchema.safeParse({ ...base, customer: { ...base.customer, consent } });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(describeIssues(parsed.error).map((i) => i.field)).toEqual([field]);
  });
});
