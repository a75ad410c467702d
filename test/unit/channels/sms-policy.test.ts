import { describe, expect, it } from "vitest";
import { resolveChannel, smsConsentVerdict, smsPolicy } from "../../../src/channels/sms-policy.js";
import { earliestSendTime } from "../../../src/flows/send-policy.js";

const T = Date.UTC(2026, 10, 27, 12);
type Input = Parameters<typeof smsConsentVerdict>[0];
type Message = Input["message"];
const customer: Input["customer"] = {
  name: "Ada Lovelace",
  email: "ada@example.com",
  preferences: {},
  phone: "+447911123456",
  smsConsent: true,
  smsConsentSource: "registration form",
  smsConsentAt: T,
  attributes: {},
};
const message: Message = {
  category: "relationship",
  transactional: false,
  topic: null,
  audience: "customer",
  toAddress: "+447911123456",
};
const input = (
  over: Partial<Input["customer"]> = {},
  smsSuppression: Input["smsSuppression"] = null,
  m: Message = message,
): Input => ({
  message: m,
  customer: { ...customer, ...over },
  suppression: null,
  smsSuppression,
  topics: {},
});

describe("SMS consent at delivery", () => {
  it("sends with a phone and consent", () => {
    expect(smsConsentVerdict(input())).toEqual({ send: true });
  });
  it("holds back without a phone, without consent, and after a withdrawal", () => {
    expect(smsConsentVerdict(input({ phone: null }))).toEqual({
      send: false,
      reason: "held back: no phone number for Ada",
    });
    expect(
      smsConsentVerdict(input({ smsConsent: null, smsConsentSource: null, smsConsentAt: null })),
    ).toEqual({
      send: false,
      reason: "held back: Ada has not agreed to marketing SMS",
    });
    expect(smsConsentVerdict(input({ smsConsent: false, smsConsentSource: "shop account" }))).toEqual({
      send: false,
      reason: "held back: Ada said no to marketing SMS on 2026-11-27 (shop account)",
    });
  });
  it("lets a transactional text go without marketing consent, but never past STOP", () => {
    const transactional: Message = { ...message, category: "transactional", transactional: true };
    expect(smsConsentVerdict(input({ smsConsent: null }, null, transactional))).toEqual({ send: true });
    const stop = { phone: "+447911123456", reason: "stop" as const, detail: "STOP", createdAt: T };
    expect(smsConsentVerdict(input({}, stop, transactional))).toEqual({
      send: false,
      reason: 'held back: +447911123456 texted "STOP" on 2026-11-27; no SMS goes to it',
    });
  });
  it("keeps the customer's own choices: stopped everything", () => {
    expect(smsConsentVerdict(input({ preferences: { all: false } } as never))).toMatchObject({ send: false });
  });
});

describe("preferred channel", () => {
  it("is SMS only when the customer chose it and a text could go", () => {
    const wants = { ...customer, attributes: { preferredChannel: "sms" } };
    expect(resolveChannel("preferred", wants, null)).toBe("sms");
    expect(resolveChannel("preferred", customer, null)).toBe("email");
    expect(resolveChannel("preferred", { ...wants, smsConsent: false }, null)).toBe("email");
    expect(resolveChannel("preferred", { ...wants, phone: null }, null)).toBe("email");
    expect(
      resolveChannel("preferred", wants, {
        phone: "+447911123456",
        reason: "stop",
        detail: null,
        createdAt: T,
      }),
    ).toBe("email");
    expect(resolveChannel("sms", customer, null)).toBe("sms");
    expect(resolveChannel("email", customer, null)).toBe("email");
  });
});

describe("SMS quiet hours", () => {
  it("are 10:00-20:00 in the customer's time zone, on the brand's days", () => {
    const policy = smsPolicy({ window: { start: "08:00", end: "21:00", days: [0, 1, 2, 3, 4] } });
    expect(policy.window).toEqual({ start: "10:00", end: "20:00", days: [0, 1, 2, 3, 4] });
    // Friday 2026-11-27 21:30 in London: next Monday 10:00.
    const at = earliestSendTime(policy, {
      now: Date.UTC(2026, 10, 27, 21, 30),
      timezone: "Europe/London",
      sentAt: [],
    });
    expect(new Date(at).toISOString()).toBe("2026-11-30T10:00:00.000Z");
    // Without a brand window: every day; 07:00 in Berlin waits for 10:00 Berlin (09:00 UTC).
    const early = earliestSendTime(smsPolicy({}), {
      now: Date.UTC(2026, 10, 28, 6),
      timezone: "Europe/Berlin",
      sentAt: [],
    });
    expect(new Date(early).toISOString()).toBe("2026-11-28T09:00:00.000Z");
  });
});
