/**
 * Hard, soft or block for real-world refusal lines (src/mail/refusal.ts): what our own
 * SMTP server answers while we send, and what a DSN's diagnostic says. Only hard
 * suppresses an address, so everything about the sender, our relay or the message must
 * come out block.
 */
import { describe, expect, it } from "vitest";
import { isRelayRefusal, type RefusalKind, refusalKind, refusalStatus } from "../../../src/mail/refusal.js";

const cases: Array<[string, RefusalKind]> = [
  // The address is bad.
  ["550 5.1.1 <ada@example.com>: Recipient address rejected: User unknown in virtual mailbox table", "hard"],
  ["550 5.1.1 <ada@example.com>: Recipient address rejected: User unknown in relay recipient table", "hard"],
  ["550-5.1.1 The email account that you tried to reach does not exist. Please try", "hard"],
  ["556 5.1.10 Recipient address rejected: domain has a null MX", "hard"],
  ["550 5.2.1 <ada@example.com>... Mailbox disabled for this recipient", "hard"],
  ["550 5.4.1 Recipient address rejected: Access denied. AS(201806281)", "hard"],
  ["550 No such user", "hard"],
  ["550 Unknown user ada@example.jp", "hard"],
  ["553 5.3.0 <ada@example.co.jp>... No such user here", "hard"],
  ["550 5.5.0 Adresse destinataire invalide. Invalid recipient. LPN007_416", "hard"],
  ["525 5.7.13 Disabled recipient address", "hard"],
  ["554 Transaction failed", "hard"],
  // Try again.
  ["552 5.2.2 <ada@example.com>: Recipient address rejected: Mailbox full", "soft"],
  ["421 4.7.0 Try again later, closing connection. (EHLO) gsmtp", "soft"],
  ["450 4.2.0 <ada@example.com>: Recipient address rejected: Greylisted", "soft"],
  ["451 Temporary local problem", "soft"],
  // Not the address's fault.
  ["554 5.7.1 <ada@example.com>: Relay access denied", "block"],
  ["550 5.7.1 <ada@example.com>... Relaying denied", "block"],
  ["550 Relaying denied", "block"],
  ["550 relay not permitted", "block"],
  ["530 5.7.0 Authentication required", "block"],
  [
    "550-5.7.1 [203.0.113.5] Our system has detected that this message is likely unsolicited mail (spam)",
    "block",
  ],
  ["550 5.7.1 Message rejected as spam by Content Filtering", "block"],
  [
    "554 5.7.9 Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes",
    "block",
  ],
  ["550 5.7.26 Unauthenticated email from example.jp is not accepted due to domain's DMARC policy", "block"],
  ["552 5.3.4 Message size exceeds fixed limit", "block"],
  ["550 5.6.9 improper use of 8-bit data in message header", "block"],
  ["501 5.1.8 Sender address rejected: Domain not found", "block"],
  ["554 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org", "block"],
  ["550 Virus Detected; Content Rejected", "block"],
  ["550 5.0.0 Blocked by policy: your IP has a poor reputation", "block"],
];

describe("refusalKind", () => {
  it.each(cases)("%s → %s", (line, kind) => {
    const code = Number(line.slice(0, 3));
    expect(refusalKind(refusalStatus({ responseCode: code, response: line }), line)).toBe(kind);
  });

  it("reads a DSN's status with its diagnostic the same way", () => {
    expect(refusalKind("5.0.0", "smtp; 550 User unknown")).toBe("hard");
    expect(refusalKind("5.0.0", "smtp; 554 5.6.0 This message has been scored as spam")).toBe("block");
    expect(refusalKind("5.7.1", "")).toBe("block");
    expect(refusalKind("5.1.1", "")).toBe("hard");
    expect(refusalKind("5.0.0", "")).toBe("hard");
  });
});

describe("isRelayRefusal", () => {
  it.each<[string, boolean]>([
    ["554 5.7.1 <ada@example.com>: Relay access denied", true],
    ["530 5.7.0 Authentication required", true],
    ["550 5.7.1 Unable to relay for ada@example.com", true],
    ["553 sorry, that domain isn't in my list of allowed rcpthosts; we do not relay (#5.7.1)", true],
    ["550 5.1.1 <ada@example.com>: Recipient address rejected: User unknown in relay recipient table", false],
    ["550 5.7.1 Message rejected as spam", false],
    ["450 4.7.1 Relay access denied", false],
  ])("%s → %s", (line, relay) => {
    const code = Number(line.slice(0, 3));
    expect(isRelayRefusal(refusalStatus({ responseCode: code, response: line }), line)).toBe(relay);
  });
});
