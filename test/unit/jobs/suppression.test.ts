/**
 * Who a bounce, complaint or unsubscribe request may stop mail to: only the address of a
 * message we sent, proven by its token or Message-ID, and named consistently; never an
 * address a stranger writes into a report.
 */
import { describe, expect, it } from "vitest";
import {
  decideSuppression,
  normaliseAddress,
  type SuppressionInput,
  sameAddress,
} from "../../../src/jobs/suppression.js";
import type { Classification } from "../../../src/mail/classify.js";

const hard = (recipient: string | null): SuppressionInput["classification"] => ({
  kind: "bounce",
  bounce: { type: "hard", status: "5.1.1", recipient, diagnostic: null },
});
const soft = (recipient: string | null): SuppressionInput["classification"] => ({
  kind: "bounce",
  bounce: { type: "soft", status: "4.2.2", recipient, diagnostic: null },
});
const complaint = (recipient: string | null): SuppressionInput["classification"] => ({
  kind: "complaint",
  complaint: { feedbackType: "abuse", recipient, originalMessageId: null },
});
const kind = (k: Classification["kind"]): SuppressionInput["classification"] => ({ kind: k });

const toAda = { toAddress: "ada@example.com" };
const toTeam = { toAddress: "team@lyra-audio.example" };

const input = (over: Partial<SuppressionInput>): SuppressionInput => ({
  classification: hard(null),
  attributedBy: null,
  message: null,
  customerEmail: null,
  fromAddress: null,
  originalTo: [],
  ...over,
});

type Expected = { email: string; as: string } | RegExp | null;

describe("decideSuppression", () => {
  it.each<[string, Partial<SuppressionInput>, Expected]>([
    // Legitimate reports still suppress.
    [
      "a hard bounce to a message's VERP address naming its recipient",
      { classification: hard("ada@example.com"), attributedBy: "reply-address", message: toAda },
      { email: "ada@example.com", as: "hard_bounce" },
    ],
    [
      "the same, named in another case and with a display name",
      { classification: hard("Ada <ADA@Example.COM>"), attributedBy: "reply-address", message: toAda },
      { email: "ada@example.com", as: "hard_bounce" },
    ],
    [
      "an international domain named in punycode: the address suppressed as we keep it",
      {
        classification: hard("ada@xn--exmple-cua.com"),
        attributedBy: "reply-address",
        message: { toAddress: "Ada@Exämple.com" },
      },
      { email: "ada@exämple.com", as: "hard_bounce" },
    ],
    [
      "a hard bounce by our Message-ID that names no recipient",
      { classification: hard(null), attributedBy: "original-message", message: toAda },
      { email: "ada@example.com", as: "hard_bounce" },
    ],
    [
      "a hard bounce by In-Reply-To of a message to the recipient it names",
      { classification: hard("ada@example.com"), attributedBy: "in-reply-to", message: toAda },
      { email: "ada@example.com", as: "hard_bounce" },
    ],
    [
      "a complaint by our Message-ID naming the message's recipient",
      { classification: complaint("ada@example.com"), attributedBy: "original-message", message: toAda },
      { email: "ada@example.com", as: "complaint" },
    ],
    [
      "a complaint whose recipient the feedback loop redacted",
      {
        classification: complaint("xxxxxxxx@example.com"),
        attributedBy: "original-message",
        message: toAda,
        originalTo: ["redacted@example.com"],
      },
      { email: "ada@example.com", as: "complaint" },
    ],
    [
      "a bounce whose returned message was addressed to the recipient",
      {
        classification: hard(null),
        attributedBy: "reply-address",
        message: toAda,
        originalTo: ["ada@example.com"],
      },
      { email: "ada@example.com", as: "hard_bounce" },
    ],
    [
      "a DSN whose Final-Recipient a forward changed, with the message's recipient as Original-Recipient",
      {
        classification: hard("ada.l@corp.example"),
        attributedBy: "reply-address",
        message: toAda,
        alsoNamed: ["ada.l@corp.example", "ada@example.com"],
      },
      { email: "ada@example.com", as: "hard_bounce" },
    ],
    // Forged shapes: nobody is suppressed.
    [
      "a token for Ada with a DSN naming Bob as both final and original recipient",
      {
        classification: hard("bob@example.com"),
        attributedBy: "reply-address",
        message: toAda,
        alsoNamed: ["bob@example.com", "bob@old.example"],
      },
      /names bob@example\.com, bob@old\.example, but/,
    ],
    [
      "a token for Ada with a report naming Bob",
      { classification: hard("bob@example.com"), attributedBy: "reply-address", message: toAda },
      /names bob@example\.com, but the message .* was sent to ada@example\.com/,
    ],
    [
      "a token for Ada with the returned message's To: naming Bob",
      {
        classification: hard(null),
        attributedBy: "reply-address",
        message: toAda,
        originalTo: ["Bob <bob@example.com>"],
      },
      /returned message was addressed to bob@example\.com/,
    ],
    [
      "a complaint with a token for Ada naming Bob",
      { classification: complaint("bob@example.com"), attributedBy: "reply-address", message: toAda },
      /names bob@example\.com/,
    ],
    [
      "a DSN to an owner-only address naming someone else",
      {
        classification: hard("bob@example.com"),
        attributedBy: "owner-address",
        customerEmail: "eve@x.example",
      },
      /owner-only address.*names bob@example\.com/,
    ],
    [
      "an ARF report to an owner-only address naming someone else",
      { classification: complaint("bob@example.com"), attributedBy: "owner-address" },
      /owner-only address/,
    ],
    [
      "a report found only by the address it names",
      {
        classification: hard("bob@example.com"),
        attributedBy: "recipient",
        customerEmail: "bob@example.com",
      },
      /found only by the address it names/,
    ],
    [
      "a report attributed to nothing",
      { classification: complaint("bob@example.com") },
      /not attributed to a message/,
    ],
    [
      "In-Reply-To alone of a message to someone else",
      { classification: hard("bob@example.com"), attributedBy: "in-reply-to", message: toAda },
      /names bob@example\.com/,
    ],
    // Not final: soft bounces.
    [
      "a soft bounce, even a legitimate one",
      { classification: soft("ada@example.com"), attributedBy: "reply-address", message: toAda },
      /soft bounce \(4\.2\.2\)/,
    ],
    // Unsubscribe: only the customer themselves.
    [
      "unsubscribe through the reply address of a message to the customer",
      {
        classification: kind("unsubscribe"),
        attributedBy: "reply-address",
        message: toAda,
        customerEmail: "ada@example.com",
        fromAddress: "ada.work@elsewhere.example",
      },
      { email: "ada@example.com", as: "unsubscribe" },
    ],
    [
      "unsubscribe from the customer's own address to their owner line",
      {
        classification: kind("unsubscribe"),
        attributedBy: "owner-address",
        customerEmail: "ada@example.com",
        fromAddress: "ADA@example.com",
      },
      { email: "ada@example.com", as: "unsubscribe" },
    ],
    [
      "unsubscribe attributed by sender",
      {
        classification: kind("unsubscribe"),
        attributedBy: "sender",
        customerEmail: "ada@example.com",
        fromAddress: "ada@example.com",
      },
      { email: "ada@example.com", as: "unsubscribe" },
    ],
    [
      "unsubscribe to Eve's owner line from a forged From: Bob",
      {
        classification: kind("unsubscribe"),
        attributedBy: "owner-address",
        customerEmail: "eve@example.com",
        fromAddress: "bob@example.com",
      },
      /sent from bob@example\.com, not from the customer's address eve@example\.com/,
    ],
    [
      "unsubscribe through a team notification's address from a team member",
      {
        classification: kind("unsubscribe"),
        attributedBy: "reply-address",
        message: toTeam,
        customerEmail: "ada@example.com",
        fromAddress: "someone@lyra-audio.example",
      },
      /message sent to team@lyra-audio\.example/,
    ],
    [
      "unsubscribe attributed to no customer",
      { classification: kind("unsubscribe"), fromAddress: "bob@example.com" },
      /not attributed to a customer/,
    ],
    // People and auto-replies never suppress, and need no reason.
    ["a person's reply", { classification: kind("human_reply"), message: toAda }, null],
    ["an auto-reply", { classification: kind("auto_reply"), message: toAda }, null],
  ])("%s", (_name, over, expected) => {
    const decision = decideSuppression(input(over));
    if (expected === null) {
      expect(decision).toBeNull();
    } else if (expected instanceof RegExp) {
      expect(decision).toMatchObject({ applied: false });
      expect(decision?.reason).toMatch(expected);
    } else {
      expect(decision).toMatchObject({ applied: true, ...expected });
      expect(decision?.reason).toMatch(/^suppressed /);
    }
  });
});

describe("addresses", () => {
  it.each<[string | null, string | null]>([
    ["Ada@Example.com", "ada@example.com"],
    ["Ada Lovelace <ada@example.com>", "ada@example.com"],
    [" <ada@example.com> ", "ada@example.com"],
    ["mailto:ada@example.com", "ada@example.com"],
    ["ada@example.com.", "ada@example.com"],
    ["ada@EXÄMPLE.com", "ada@xn--exmple-cua.com"],
    ["ada@xn--exmple-cua.com", "ada@xn--exmple-cua.com"],
    ["not an address", null],
    ["@example.com", null],
    ["ada@", null],
    [null, null],
  ])("%s → %s", (value, expected) => {
    expect(normaliseAddress(value)).toBe(expected);
  });

  it("compares addresses, not strings", () => {
    expect(sameAddress("Ada <ADA@example.com>", "ada@example.com")).toBe(true);
    expect(sameAddress("ada@example.com", "ada@example.org")).toBe(false);
    expect(sameAddress(null, null)).toBe(false);
  });
});
