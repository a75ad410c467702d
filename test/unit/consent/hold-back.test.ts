/**
 * The rules delivery applies just before sending (process-delivery.ts composes them the
 * same way): consentVerdict holds a message back or lets it go, then the send policy, with
 * the customer's own limit beside the brand's cap, may postpone it.
 */
import { describe, expect, it } from "vitest";
import { consentVerdict, customerPolicy } from "../../../src/consent/hold-back.js";
import type { Preferences } from "../../../src/consent/preferences.js";
import { earliestSendTime, type SendPolicy } from "../../../src/flows/send-policy.js";
import type { MessageCategory } from "../../../src/flows/types.js";
import type { SuppressionReason } from "../../../src/store/store.js";

const DAY = 24 * 3600_000;
const NOW = Date.UTC(2026, 10, 30, 12);
const CHANGED = Date.UTC(2026, 10, 27, 9);
const TOPICS = { product_news: { title: "Product news" }, check_ins: { title: "Check-ins" } };
/** The brand's cap: two a week. One relationship message went out yesterday. */
const BRAND: SendPolicy = { cap: { max: 2, perMs: 7 * DAY } };
const SENT_AT = [NOW - DAY];

type Outcome = "send" | "hold" | "postpone";

function decide(
  category: MessageCategory,
  topic: string | null,
  preferences: Preferences,
  suppression: SuppressionReason | null,
  audience: "customer" | "team" = "customer",
): { outcome: Outcome; reason?: string } {
  const verdict = consentVerdict({
    message: {
      category,
      transactional: category === "transactional",
      topic,
      audience,
      toAddress: "ada@example.com",
    },
    customer: { name: "Ada Lovelace", email: "ada@example.com", preferences },
    suppression: suppression ? { reason: suppression, createdAt: CHANGED } : null,
    topics: TOPICS,
  });
  if (!verdict.send) return { outcome: "hold", reason: verdict.reason };
  if (category === "transactional" || audience === "team") return { outcome: "send" };
  const at = earliestSendTime(customerPolicy(BRAND, preferences), {
    now: NOW,
    timezone: "UTC",
    sentAt: SENT_AT,
  });
  return { outcome: at > NOW ? "postpone" : "send" };
}

const stopped: Preferences = { all: false, changed: { all: { at: CHANGED, source: "one_click" } } };
const newsOff: Preferences = {
  topics: { product_news: false },
  changed: { "topics.product_news": { at: CHANGED, source: "preference_page" } },
};
const weekly: Preferences = { frequency: { max: 1, per: "week" } };
const monthly3: Preferences = { frequency: { max: 3, per: "month" } };

describe("delivery-time rules: category × preferences × suppression", () => {
  it.each<[MessageCategory, string | null, string, Preferences, SuppressionReason | null, Outcome]>([
    // Nothing chosen, nothing suppressed: everything goes (under the brand's cap).
    ["transactional", null, "nothing", {}, null, "send"],
    ["relationship", "check_ins", "nothing", {}, null, "send"],
    ["news", "product_news", "nothing", {}, null, "send"],
    // Stop everything: only transactional mail.
    ["transactional", "check_ins", "all off", stopped, null, "send"],
    ["relationship", "check_ins", "all off", stopped, null, "hold"],
    ["news", "product_news", "all off", stopped, null, "hold"],
    ["relationship", null, "all off (a message without a topic)", stopped, null, "hold"],
    // A topic off: that topic only.
    ["news", "product_news", "product news off", newsOff, null, "hold"],
    ["relationship", "check_ins", "product news off", newsOff, null, "send"],
    ["transactional", "product_news", "product news off", newsOff, null, "send"],
    ["relationship", null, "product news off", newsOff, null, "send"],
    // The unsubscribe suppression (reply, mailto): like stop everything.
    ["transactional", null, "nothing", {}, "unsubscribe", "send"],
    ["relationship", "check_ins", "nothing", {}, "unsubscribe", "hold"],
    ["news", "product_news", "nothing", {}, "unsubscribe", "hold"],
    // A hard bounce or a complaint: nothing goes, transactional included.
    ["transactional", null, "nothing", {}, "hard_bounce", "hold"],
    ["transactional", null, "nothing", {}, "complaint", "hold"],
    ["relationship", "check_ins", "nothing", {}, "complaint", "hold"],
    ["news", "product_news", "nothing", {}, "hard_bounce", "hold"],
    // The customer's own limit beside the brand's cap (one went out yesterday).
    ["relationship", "check_ins", "one a week", weekly, null, "postpone"],
    ["news", "product_news", "one a week", weekly, null, "postpone"],
    ["transactional", null, "one a week", weekly, null, "send"],
    ["relationship", "check_ins", "three a month (looser: the brand's cap decides)", monthly3, null, "send"],
  ])(
    "%s (topic %s), %s, suppression %s → %s",
    (category, topic, _what, preferences, suppression, expected) => {
      expect(decide(category, topic, preferences, suppression).outcome).toBe(expected);
    },
  );

  it("takes a row's transactional flag even without the category", () => {
    const verdict = consentVerdict({
      message: {
        category: "relationship",
        transactional: true,
        topic: null,
        audience: "customer",
        toAddress: "a@x.example",
      },
      customer: { name: null, email: "a@x.example", preferences: stopped },
      suppression: { reason: "unsubscribe", createdAt: CHANGED },
      topics: TOPICS,
    });
    expect(verdict).toEqual({ send: true });
  });

  it("lets notes to the team through anything but a hard bounce or complaint of the team's address", () => {
    expect(decide("transactional", null, stopped, "unsubscribe", "team").outcome).toBe("send");
    expect(decide("transactional", null, {}, "hard_bounce", "team").outcome).toBe("hold");
  });
});

describe("the reason on the timeline", () => {
  it.each<[string, MessageCategory, string | null, Preferences, SuppressionReason | null, string]>([
    [
      "a topic turned off on the page",
      "news",
      "product_news",
      newsOff,
      null,
      "held back: Ada turned off Product news on 2026-11-27 (preference page)",
    ],
    [
      "everything stopped by one click",
      "relationship",
      "check_ins",
      stopped,
      null,
      "held back: Ada stopped all but transactional emails on 2026-11-27 (one-click unsubscribe)",
    ],
    [
      "stopped, with no record of when",
      "relationship",
      "check_ins",
      { all: false },
      null,
      "held back: Ada stopped all but transactional emails",
    ],
    [
      "stopped by reply (the suppression)",
      "relationship",
      "check_ins",
      {},
      "unsubscribe",
      "held back: ada@example.com unsubscribed on 2026-11-27; only transactional emails go",
    ],
    [
      "a hard bounce",
      "transactional",
      null,
      {},
      "hard_bounce",
      "not sent: ada@example.com is suppressed (hard bounce on 2026-11-27T09:00:00.000Z)",
    ],
    [
      "a topic unknown to the brand's list (removed since): its name",
      "relationship",
      "care_tips",
      { topics: { care_tips: false } },
      null,
      "held back: Ada turned off care_tips",
    ],
  ])("%s", (_name, category, topic, preferences, suppression, reason) => {
    expect(decide(category, topic, preferences, suppression).reason).toBe(reason);
  });

  it("names the customer by address when there is no name", () => {
    const verdict = consentVerdict({
      message: {
        category: "news",
        transactional: false,
        topic: "product_news",
        audience: "customer",
        toAddress: "x@example.com",
      },
      customer: { name: null, email: "x@example.com", preferences: newsOff },
      suppression: null,
      topics: TOPICS,
    });
    expect(verdict).toEqual({
      send: false,
      reason: "held back: x@example.com turned off Product news on 2026-11-27 (preference page)",
    });
  });
});

describe("customerPolicy", () => {
  it("keeps the brand's policy and adds the customer's limit beside it", () => {
    expect(customerPolicy(BRAND, {})).toBe(BRAND);
    expect(customerPolicy(BRAND, weekly)).toEqual({ ...BRAND, customerCap: { max: 1, perMs: 7 * DAY } });
  });

  it("postpones to when the customer's limit allows, not the brand's", () => {
    // One a week, the last yesterday: six days from now, though the brand's cap (two a week) allows now.
    const at = earliestSendTime(customerPolicy(BRAND, weekly), {
      now: NOW,
      timezone: "UTC",
      sentAt: SENT_AT,
    });
    expect(at).toBe(NOW - DAY + 7 * DAY);
  });
});
