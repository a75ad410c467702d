/**
 * Whether an inbound bounce, complaint or unsubscribe request stops mail to an address,
 * and why (or why not). Inbound mail is written by strangers: nothing in it may stop mail
 * to a third party.
 *
 * Contract: decideSuppression(input) → null for kinds that never suppress (people's
 * replies, auto-replies), else a SuppressionDecision, pure:
 *   - a hard bounce or a complaint suppresses only the address of a message we sent, and
 *     only when the report is attributed to that message by something only its recipient
 *     (or their mail system) has: its reply/VERP token, or our Message-ID (the report's
 *     original Message-ID, In-Reply-To or References). When the report names a recipient
 *     (Final- or Original-Recipient, X-Failed-Recipients, Original-Rcpt-To, …) it must be
 *     the message's recipient; when it carries the returned message's To:, the message's recipient must
 *     be in it. Redacted addresses (feedback loops hide the recipient: "xxxxxxx@aol.com",
 *     "redacted@…") name nobody. A report to an owner-only address, or found only by the
 *     address it names, suppresses nothing.
 *   - a soft bounce suppresses nothing (the address may work again), nor does a block
 *     (spam, policy, DMARC, relaying: the sender or message was refused, see refusal.ts).
 *   - an unsubscribe request suppresses only the attributed customer's own address: when it
 *     came to the reply address of a message sent to that address, or From that address.
 *     An address named in the body or other headers is never used.
 * A decision that suppresses nothing still says why, for the timeline.
 */
import { domainToASCII } from "node:url";
import type { AttributedBy } from "../mail/attribute.js";
import type { Classification } from "../mail/classify.js";
import type { MessageRow, SuppressionReason } from "../store/store.js";

export interface SuppressionInput {
  classification: Pick<Classification, "kind" | "bounce" | "complaint">;
  attributedBy: AttributedBy | null;
  /** The message of ours the mail is attributed to, if any. */
  message: Pick<MessageRow, "toAddress"> | null;
  /** The attributed customer's address. */
  customerEmail: string | null;
  /** The From address of the inbound mail. */
  fromAddress: string | null;
  /** Reports: the addresses in the To: of the returned/reported message, when it is included. */
  originalTo: readonly string[];
  /**
   * Reports: other addresses the report gives for the same recipient, beside the one in
   * `classification` (a DSN's Original-Recipient when a forward or alias changed the
   * Final-Recipient). Any one of them matching the message's recipient will do.
   */
  alsoNamed?: readonly string[];
}

export type SuppressionDecision =
  | { applied: true; email: string; as: SuppressionReason; reason: string }
  | { applied: false; reason: string };

/** Attributions that prove the report is about one message we sent. */
const BY_MESSAGE: ReadonlySet<AttributedBy> = new Set([
  "reply-address",
  "original-message",
  "in-reply-to",
  "references",
]);

/**
 * "Bob <Bob@Example.com>" → "bob@example.com"; null when there is no address in it. Local
 * parts compare case-insensitively (as every mail system we send to treats them), domains
 * in their ASCII (punycode) form.
 */
export function normaliseAddress(value: string | null | undefined): string | null {
  if (!value) return null;
  const bare = (/<([^<>]*)>/.exec(value)?.[1] ?? value).trim().normalize("NFC").toLowerCase();
  const address = bare.replace(/^mailto:/, "").replace(/\.$/, "");
  const at = address.lastIndexOf("@");
  if (at <= 0 || at === address.length - 1 || /\s/.test(address)) return null;
  // One spelling per domain: "exämple.com" and "xn--exmple-cua.com" are the same.
  const domain = address.slice(at + 1);
  return `${address.slice(0, at)}@${domainToASCII(domain) || domain}`;
}

export function sameAddress(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = normaliseAddress(a);
  return x !== null && x === normaliseAddress(b);
}

// Feedback loops redact the recipient: a local part of only x/*/#, or one saying "redacted".
const REDACTED_LOCAL = /^(?:[x*#]+|.*redacted.*)$/i;

/** The address a report names, or null when it names none (missing or redacted). */
function named(value: string | null | undefined): string | null {
  const address = normaliseAddress(value);
  if (!address) return null;
  return REDACTED_LOCAL.test(address.slice(0, address.lastIndexOf("@"))) ? null : address;
}

function notAboutAMessage(by: AttributedBy | null, reportNames: string | null): string {
  const names = reportNames ? ` (it names ${reportNames})` : "";
  switch (by) {
    case "owner-address":
      return `not suppressed: it came to an owner-only address, not to the return address of a message we sent${names}`;
    case "recipient":
      return `not suppressed: found only by the address it names${names}, not by a message we sent`;
    case null:
      return `not suppressed: not attributed to a message we sent${names}`;
    default:
      return `not suppressed: not attributed to a message we sent (attributed by ${by})${names}`;
  }
}

function report(input: SuppressionInput, as: "hard_bounce" | "complaint", recipient: string | null) {
  const { message, attributedBy } = input;
  const reportNames = [...new Set([recipient, ...(input.alsoNamed ?? [])].map(named))].filter(
    (a): a is string => a !== null,
  );
  if (!message || !attributedBy || !BY_MESSAGE.has(attributedBy)) {
    return {
      applied: false,
      reason: notAboutAMessage(attributedBy, reportNames.join(", ") || null),
    } as const;
  }
  const sentTo = normaliseAddress(message.toAddress);
  if (!sentTo)
    return { applied: false, reason: "not suppressed: the message has no recipient address" } as const;
  if (reportNames.length > 0 && !reportNames.includes(sentTo)) {
    return {
      applied: false,
      reason: `not suppressed: the report names ${reportNames.join(", ")}, but the message it is attributed to was sent to ${sentTo}`,
    } as const;
  }
  const originalTo = input.originalTo.map(named).filter((a): a is string => a !== null);
  if (originalTo.length > 0 && !originalTo.includes(sentTo)) {
    return {
      applied: false,
      reason: `not suppressed: the returned message was addressed to ${originalTo.join(", ")}, but the message it is attributed to was sent to ${sentTo}`,
    } as const;
  }
  return {
    applied: true,
    // The address as we keep it (delivery looks suppressions up by the outbox row's address).
    email: message.toAddress.trim().toLowerCase(),
    as,
    reason: `suppressed ${sentTo}: a ${as === "complaint" ? "complaint" : "hard bounce"} about a message sent to it (attributed by ${attributedBy})`,
  } as const;
}

export function decideSuppression(input: SuppressionInput): SuppressionDecision | null {
  const { classification } = input;
  switch (classification.kind) {
    case "bounce": {
      const bounce = classification.bounce;
      const status = bounce?.status ? ` (${bounce.status})` : "";
      if (bounce?.type === "block") {
        return {
          applied: false,
          reason: `not suppressed: a block${status}; the sender or the message was refused (spam, policy, authentication, size), not the address`,
        };
      }
      if (bounce?.type !== "hard") {
        return {
          applied: false,
          reason: `not suppressed: a soft bounce${status}; the address may work again`,
        };
      }
      return report(input, "hard_bounce", bounce.recipient);
    }
    case "complaint":
      return report(input, "complaint", classification.complaint?.recipient ?? null);
    case "unsubscribe":
      return unsubscribe(input);
    case "auto_reply":
    case "human_reply":
      return null;
    default: {
      const never: never = classification.kind;
      throw new Error(`unknown kind ${String(never)}`);
    }
  }
}

function unsubscribe(input: SuppressionInput): SuppressionDecision {
  const customer = normaliseAddress(input.customerEmail);
  if (!customer || !input.customerEmail)
    return { applied: false, reason: "not suppressed: not attributed to a customer" };
  const stored = input.customerEmail.trim().toLowerCase();
  const { message, attributedBy } = input;
  if (attributedBy === "reply-address" && message && sameAddress(message.toAddress, customer)) {
    return {
      applied: true,
      email: stored,
      as: "unsubscribe",
      reason: `suppressed ${customer}: asked through the reply address of a message sent to it`,
    };
  }
  const from = normaliseAddress(input.fromAddress);
  if (from === customer) {
    return {
      applied: true,
      email: stored,
      as: "unsubscribe",
      reason: `suppressed ${customer}: asked from that address`,
    };
  }
  const via =
    attributedBy === "reply-address" && message
      ? ` to the reply address of a message sent to ${normaliseAddress(message.toAddress) ?? "someone else"}`
      : "";
  return {
    applied: false,
    reason: `not suppressed: sent from ${from ?? "an unknown address"}${via}, not from the customer's address ${customer} nor through one of their messages`,
  };
}
