import { describe, expect, it } from "vitest";
import type { Classification, InboundKind } from "../../../src/mail/classify.js";
import { understandMail } from "../../../src/mail/understand.js";
import { dsn, eml, ORIGINAL } from "./fixtures.js";

const classify = async (raw: string | Buffer): Promise<Classification> =>
  (await understandMail(raw)).classification;

const human = { From: "Jane Buyer <Jane@Customer.example.org>", To: "hello@shop.example.com" };

describe("classifyInbound: bounces", () => {
  it("reads an RFC 3464 hard bounce (5.1.1) and attributes it to the message we sent", async () => {
    const c = await classify(
      dsn({
        action: "failed",
        status: "5.1.1",
        diagnostic: "550 5.1.1 <jane@customer.example.org>: User unknown",
      }),
    );
    expect(c.kind).toBe("bounce");
    expect(c.reason).toBe("multipart/report; report-type=delivery-status");
    expect(c.bounce).toEqual({
      type: "hard",
      status: "5.1.1",
      recipient: "jane@customer.example.org",
      diagnostic: "550 5.1.1 <jane@customer.example.org>: User unknown",
    });
    expect(c.originalMessageId).toBe("<out-42.7f3a@shop.example.com>");
  });

  it("reads a soft bounce (4.2.2 mailbox full, delayed) and the text/rfc822-headers part", async () => {
    const c = await classify(
      dsn({
        action: "delayed",
        status: "4.2.2",
        diagnostic: "452 4.2.2 Mailbox full",
        recipient: "Full@Customer.example.org",
        subject: "Delayed Mail (still being retried)",
        originalPart: "text/rfc822-headers",
      }),
    );
    expect(c.kind).toBe("bounce");
    expect(c.bounce?.type).toBe("soft");
    expect(c.bounce?.status).toBe("4.2.2");
    expect(c.bounce?.recipient).toBe("full@customer.example.org");
    expect(c.originalMessageId).toBe("<out-42.7f3a@shop.example.com>");
  });

  it("treats 5.2.2 (mailbox full) as soft though its class is permanent", async () => {
    const c = await classify(
      dsn({ action: "failed", status: "5.2.2", diagnostic: "552 5.2.2 Mailbox full" }),
    );
    expect(c.kind).toBe("bounce");
    expect(c.bounce?.type).toBe("soft");
  });

  it("does not call a success DSN (Action: delivered) a bounce", async () => {
    const c = await classify(dsn({ action: "delivered", status: "2.0.0", diagnostic: "250 2.0.0 OK" }));
    expect(c.kind).toBe("auto_reply");
  });

  const nonStandard: [string, string, Partial<NonNullable<Classification["bounce"]>>][] = [
    [
      "Postfix notice without a report part",
      eml(
        {
          "Return-Path": "<>",
          From: "MAILER-DAEMON@mx.shop.example.com (Mail Delivery System)",
          To: "hello@shop.example.com",
          Subject: "Undelivered Mail Returned to Sender",
        },
        [
          "This is the mail system at host mx.shop.example.com.",
          "",
          "<gone@customer.example.org>: host in.customer.example.org[192.0.2.10] said: 550",
          "    5.1.1 <gone@customer.example.org>: Recipient address rejected: User unknown",
          "",
          "--- Below this line is a copy of the message.",
          "",
          ORIGINAL,
        ].join("\n"),
      ),
      { type: "hard", status: "5.1.1", recipient: "gone@customer.example.org" },
    ],
    [
      "Exim notice with X-Failed-Recipients",
      eml(
        {
          From: "Mail Delivery System <Mailer-Daemon@mx.customer.example.org>",
          To: "hello@shop.example.com",
          Subject: "Mail delivery failed: returning message to sender",
          "X-Failed-Recipients": "Quota@Customer.example.org",
        },
        [
          "This message was created automatically by mail delivery software.",
          "",
          "A message that you sent could not be delivered to one or more of its",
          "recipients. This is a temporary error. The following address(es) deferred:",
          "",
          "  quota@customer.example.org",
          "    mailbox is full: retry timeout exceeded",
          "",
          "------ This is a copy of the message, including all the headers. ------",
          "",
          ORIGINAL,
        ].join("\n"),
      ),
      { type: "soft", status: null, recipient: "quota@customer.example.org" },
    ],
    [
      "qmail failure notice with a status in the text",
      eml(
        {
          From: "MAILER-DAEMON@mx.customer.example.org",
          To: "hello@shop.example.com",
          Subject: "failure notice",
        },
        [
          "Hi. This is the qmail-send program at mx.customer.example.org.",
          "I'm afraid I wasn't able to deliver your message to the following addresses.",
          "",
          "<nobody-here@customer.example.org>:",
          "Sorry, no mailbox here by that name. (#5.1.1)",
        ].join("\n"),
      ),
      { type: "hard", status: "5.1.1", recipient: "nobody-here@customer.example.org" },
    ],
  ];
  it.each(nonStandard)("reads a %s", async (_name, raw, expected) => {
    const c = await classify(raw);
    expect(c.kind).toBe("bounce");
    expect(c.bounce).toMatchObject(expected);
  });

  it("finds the original Message-ID in quoted headers of a non-standard bounce", async () => {
    const c = await classify(nonStandard[0]?.[1] ?? "");
    expect(c.originalMessageId).toBe("<out-42.7f3a@shop.example.com>");
  });

  it("does not call a person forwarding a bounce a bounce", async () => {
    const c = await classify(
      eml(
        { ...human, Subject: "Fwd: Undelivered Mail Returned to Sender" },
        "Did you get my email? It bounced.\n\nThis is the mail system at host x.",
      ),
    );
    expect(c.kind).toBe("human_reply");
  });
});

describe("classifyInbound: complaints", () => {
  it("reads an RFC 5965 feedback report", async () => {
    const raw = eml(
      {
        From: "Feedback Loop <fbl@isp.example.net>",
        To: "abuse@shop.example.com",
        Subject: "Abuse report",
        "Content-Type": 'multipart/report; report-type=feedback-report; boundary="F1"',
      },
      [
        "--F1",
        "Content-Type: text/plain",
        "",
        "This is an email abuse report.",
        "--F1",
        "Content-Type: message/feedback-report",
        "",
        "Feedback-Type: abuse",
        "User-Agent: ExampleFBL/1.0",
        "Version: 1",
        "Original-Mail-From: <bounces+42@shop.example.com>",
        "Original-Rcpt-To: <Jane@Customer.example.org>",
        "Arrival-Date: Mon, 01 Jan 2024 09:00:05 +0000",
        "",
        "--F1",
        "Content-Type: message/rfc822",
        "",
        ORIGINAL,
        "--F1--",
        "",
      ].join("\n"),
    );
    const c = await classify(raw);
    expect(c.kind).toBe("complaint");
    expect(c.reason).toBe("multipart/report; report-type=feedback-report");
    expect(c.complaint).toEqual({
      feedbackType: "abuse",
      recipient: "jane@customer.example.org",
      originalMessageId: "<out-42.7f3a@shop.example.com>",
    });
  });
});

describe("classifyInbound: auto-replies", () => {
  const cases: [string, Record<string, string>, string, string][] = [
    [
      "RFC 3834 Auto-Submitted",
      { "Auto-Submitted": "auto-replied" },
      "Re: Thanks for your order",
      "Auto-Submitted: auto-replied",
    ],
    ["X-Autoreply", { "X-Autoreply": "yes" }, "Re: Thanks for your order", "x-autoreply: yes"],
    ["Precedence: bulk", { Precedence: "bulk" }, "Newsletter", "Precedence: bulk"],
    [
      "X-Auto-Response-Suppress (Exchange)",
      { "X-Auto-Response-Suppress": "All, OOF, AutoReply" },
      "Hi",
      "X-Auto-Response-Suppress",
    ],
    ["List-Id (mailing list)", { "List-Id": "<news.list.example.org>" }, "Weekly digest", "List-Id"],
    ["English out-of-office subject", {}, "Out of Office: Thanks for your order", "out-of-office subject"],
    [
      "German out-of-office subject",
      {},
      "Abwesenheitsnotiz: Danke für Ihre Bestellung",
      "out-of-office subject",
    ],
    ["German automatic-reply subject", {}, "Automatische Antwort: Danke", "out-of-office subject"],
    [
      "French out-of-office subject",
      {},
      "Absence du bureau : Merci pour votre commande",
      "out-of-office subject",
    ],
    ["French automatic-reply subject", {}, "Réponse automatique : Merci", "out-of-office subject"],
    [
      "Spanish automatic-reply subject",
      {},
      "Respuesta automática: Gracias por su pedido",
      "out-of-office subject",
    ],
    ["Spanish out-of-office subject", {}, "Fuera de la oficina", "out-of-office subject"],
    ["Dutch subject", {}, "Afwezig tot 5 januari", "out-of-office subject"],
    ["Null Return-Path", { "Return-Path": "<>" }, "Re: Thanks for your order", 'null Return-Path "<>"'],
  ];
  it.each(cases)("recognises %s", async (_name, headers, subject, reason) => {
    const c = await classify(eml({ ...human, ...headers, Subject: subject }, "I am away until Monday."));
    expect(c.kind).toBe("auto_reply");
    expect(c.reason).toContain(reason);
  });

  it("does not take a question about being out of office for an autoresponder", async () => {
    const c = await classify(eml({ ...human, Subject: "Re: When are you out of office?" }, "Just asking."));
    expect(c.kind).toBe("human_reply");
  });

  it("puts bounces before auto-replies even when the DSN says Auto-Submitted", async () => {
    const c = await classify(dsn({ action: "failed", status: "5.1.1", diagnostic: "550 5.1.1 unknown" }));
    expect(c.kind).toBe("bounce");
  });
});

describe("classifyInbound: unsubscribe and human replies", () => {
  const cases: [string, string, string, InboundKind][] = [
    ["bare unsubscribe", "Re: Thanks for your order", "Unsubscribe", "unsubscribe"],
    ["STOP with a name", "Re: Thanks for your order", "STOP\n\nJane", "unsubscribe"],
    ["remove me", "Re: Thanks", "Please remove me from your mailing list.", "unsubscribe"],
    ["German", "Re: Danke", "Bitte abmelden", "unsubscribe"],
    ["French", "Re: Merci", "Désabonnez-moi", "unsubscribe"],
    ["subject command", "unsubscribe", "", "unsubscribe"],
    [
      "reply above a quote",
      "Re: Thanks",
      "unsubscribe\n\nOn Mon, 1 Jan 2024 at 09:00, Shop <hello@shop.example.com> wrote:\n> Thanks!",
      "unsubscribe",
    ],
    [
      "mention in passing",
      "Re: Thanks for your order",
      "Love the shoes! I don't want to unsubscribe, but could you send fewer emails about socks?",
      "human_reply",
    ],
    ["ordinary reply", "Re: Thanks for your order", "Thanks, the parcel arrived today.", "human_reply"],
    ["cancel is about the order, not the list", "Re: Thanks for your order", "Cancel", "human_reply"],
  ];
  it.each(cases)("%s", async (_name, subject, body, kind) => {
    const c = await classify(eml({ ...human, Subject: subject }, body));
    expect(c.kind).toBe(kind);
  });
});

describe("classifyInbound: malformed input", () => {
  it.each([
    ["garbage bytes", Buffer.from([0, 255, 1, 2, 3, 0x80, 0x81, 10, 13, 0xfe])],
    ["empty", ""],
    ["headers only", "From: someone@example.org\r\nSubject: hi"],
    [
      "broken multipart",
      eml({ ...human, Subject: "x", "Content-Type": 'multipart/mixed; boundary="never"' }, "hello there"),
    ],
  ])("returns a verdict for %s", async (_name, raw) => {
    const u = await understandMail(raw);
    expect(["human_reply", "auto_reply", "bounce", "complaint", "unsubscribe"]).toContain(
      u.classification.kind,
    );
    expect(u.classification.reason).not.toBe("");
  });

  it("reads a multipart/report whose boundary never appears", async () => {
    const raw = eml(
      {
        From: "Mail Delivery Subsystem <MAILER-DAEMON@mx.customer.example.org>",
        To: "hello@shop.example.com",
        Subject: "Returned mail: see transcript for details",
        "Content-Type": 'multipart/report; report-type=delivery-status; boundary="missing"',
      },
      [
        "The original message was received at Mon, 1 Jan 2024 09:00:01 +0000",
        "",
        "Final-Recipient: RFC822; jane@customer.example.org",
        "Action: failed",
        "Status: 5.1.1",
        "",
        ORIGINAL,
      ].join("\n"),
    );
    const c = await classify(raw);
    expect(c.kind).toBe("bounce");
    expect(c.bounce).toMatchObject({ type: "hard", status: "5.1.1", recipient: "jane@customer.example.org" });
    expect(c.originalMessageId).toBe("<out-42.7f3a@shop.example.com>");
  });
});
