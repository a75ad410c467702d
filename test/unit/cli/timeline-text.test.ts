/** The timeline as text: a report says whether it stopped mail to anyone, and why not. */
import { describe, expect, it } from "vitest";
import { formatTimeline } from "../../../src/cli/timeline-text.js";
import type { InteractionRow, Timeline } from "../../../src/store/store.js";

const at = Date.parse("2026-11-20T10:00:00Z");

const interaction = (over: Partial<InteractionRow>): InteractionRow => ({
  id: "i1",
  inboundId: "in1",
  kind: "bounce",
  messageIdHeader: "<dsn@mx.example>",
  customerId: "c1",
  ownershipId: null,
  messageId: null,
  runId: null,
  attributedBy: "owner-address",
  toOwnerAddress: true,
  fromAddress: "mailer-daemon@mx.example",
  subject: "Undelivered",
  text: null,
  detail: {},
  occurredAt: at,
  createdAt: at,
  ...over,
});

const timeline = (interactions: InteractionRow[]): Timeline => ({
  customer: {
    id: "c1",
    email: "ada@example.com",
    name: "Ada",
    timezone: null,
    locale: null,
    birthday: null,
    attributes: {},
    tags: [],
    preferences: {},
    phone: null,
    smsConsent: null,
    smsConsentSource: null,
    smsConsentAt: null,
    createdAt: at,
    updatedAt: at,
  },
  ownerships: [],
  events: [],
  runs: [],
  messages: [],
  interactions,
  suppression: null,
});

describe("formatTimeline: suppression decisions", () => {
  it.each<[string, Partial<InteractionRow>, string[]]>([
    [
      "a forged bounce says why it suppressed nobody",
      {
        detail: {
          bounce: { type: "hard", status: "5.1.1" },
          suppression: { applied: false, reason: "not suppressed: it came to an owner-only address" },
        },
      },
      [
        "2026-11-20 10:00 UTC  bounce   from mailer-daemon@mx.example to the owner line (hard 5.1.1)",
        "                        not suppressed: it came to an owner-only address",
      ],
    ],
    [
      "an unsubscribe shows the decision above what was written",
      {
        kind: "unsubscribe",
        toOwnerAddress: false,
        fromAddress: "ada@example.com",
        text: "unsubscribe",
        detail: {
          suppression: {
            applied: true,
            email: "ada@example.com",
            reason: "suppressed ada@example.com: asked from that address",
          },
        },
      },
      [
        "2026-11-20 10:00 UTC  unsubscribe from ada@example.com",
        "                        suppressed ada@example.com: asked from that address",
        "                        | unsubscribe",
      ],
    ],
    [
      "a reply has no decision line",
      { kind: "human_reply", toOwnerAddress: false, fromAddress: "ada@example.com", text: "Hello" },
      ["2026-11-20 10:00 UTC  reply    from ada@example.com", "                        | Hello"],
    ],
    [
      "an SMS keyword rapport answered itself is not labelled a reply",
      {
        kind: "human_reply",
        toOwnerAddress: false,
        fromAddress: "+447911123456",
        text: "help",
        detail: { channel: "sms", keyword: "help" },
      },
      [
        "2026-11-20 10:00 UTC  keyword  from +447911123456: HELP (SMS keyword, answered by rapport)",
        "                        | help",
      ],
    ],
  ])("%s", (_name, over, expected) => {
    const text = formatTimeline(timeline([interaction(over)]));
    expect(text.split("\n").slice(-expected.length)).toEqual(expected);
  });
});

describe("formatTimeline: the customer's choices", () => {
  it("shows what they chose, the unsubscribe, and what each preference_changed event changed", () => {
    const base = timeline([]);
    const text = formatTimeline({
      ...base,
      customer: {
        ...base.customer,
        preferences: {
          all: false,
          topics: { product_news: false, birthday: true },
          frequency: { max: 1, per: "week" },
        },
      },
      suppression: { email: "ada@example.com", reason: "unsubscribe", interactionId: null, createdAt: at },
      events: [
        {
          id: "e1",
          type: "preference_changed",
          occurredAt: at,
          receivedAt: at,
          body: {
            type: "preference_changed",
            customer: { email: "ada@example.com" },
            properties: { source: "one_click", changed: "all", all: false },
          },
          status: "processed",
          customerId: "c1",
          processedAt: at,
          error: null,
        },
      ],
    });
    expect(text.split("\n")).toEqual([
      "Ada <ada@example.com>   customer since 2026-11-20 10:00 UTC",
      "  chose: stopped everything · off: product_news · at most one email a week",
      "  UNSUBSCRIBED since 2026-11-20 10:00 UTC: only transactional mail goes out",
      "",
      "2026-11-20 10:00 UTC  event    preference_changed changed all (one_click)  [e1]",
    ]);
  });
});

describe("formatTimeline: one time format", () => {
  it("writes every moment in the customer's zone, named, recorded details included", () => {
    const base = timeline([]);
    const text = formatTimeline({
      ...base,
      customer: { ...base.customer, timezone: "Europe/Copenhagen" },
      messages: [
        {
          id: "m1",
          runId: null,
          stepId: "check-in",
          flowId: null,
          customerId: "c1",
          ownershipId: null,
          eventId: null,
          template: "check-in",
          audience: "customer",
          toAddress: "ada@example.com",
          channel: "email",
          transactional: false,
          category: "relationship",
          topic: null,
          notBefore: Date.parse("2026-11-23T08:00:00Z"),
          status: "queued",
          attempts: 0,
          uncertainAttempts: 0,
          leaseUntil: null,
          messageIdHeader: "<m1@lyra-audio.example>",
          subject: "How is it going?",
          smtpResponse: null,
          deliveryStatus: null,
          deliveryDetail: null,
          deliveryAt: null,
          error: "postponed to 2026-11-23T08:00:00.000Z (send window)",
          createdAt: at,
          updatedAt: at,
          sentAt: null,
          retriedAt: null,
          possibleDuplicate: false,
        },
      ],
    });
    expect(text.split("\n")).toEqual([
      "Ada <ada@example.com>   customer since 2026-11-20 11:00 Europe/Copenhagen",
      "  Europe/Copenhagen",
      "",
      '2026-11-20 11:00 Europe/Copenhagen  message  queued  "How is it going?": postponed to 2026-11-23 09:00 Europe/Copenhagen (send window)',
    ]);
  });

  it("uses the brand's zone for a customer without one", () => {
    const text = formatTimeline(timeline([]), { defaultTimezone: "America/New_York" });
    expect(text.split("\n")[0]).toBe(
      "Ada <ada@example.com>   customer since 2026-11-20 05:00 America/New_York",
    );
  });
});

describe("formatTimeline: short links followed", () => {
  it("shows each click: the link, and the SMS it was in", () => {
    const sms = {
      id: "m1",
      template: "care-tip",
      audience: "customer",
      toAddress: "+447911123456",
      status: "sent",
      subject: "Hi Ada, a care tip: https://r.example/s/AbCdEfGh12",
      error: null,
      uncertainAttempts: 0,
      possibleDuplicate: false,
      sentAt: at,
      updatedAt: at,
    } as Timeline["messages"][number];
    const text = formatTimeline({
      ...timeline([]),
      messages: [sms],
      clicks: [
        {
          id: "k1",
          code: "AbCdEfGh12",
          messageId: "m1",
          url: "https://lyra.example/care/rd-2780",
          clickedAt: at + 60_000,
          userAgent: "Mozilla/5.0",
        },
      ],
    });
    expect(text.split("\n").slice(-1)).toEqual([
      '2026-11-20 10:01 UTC  clicked  https://lyra.example/care/rd-2780 in SMS "Hi Ada, a care tip: https://r.example/s/AbCdEfGh12"',
    ]);
  });
});
