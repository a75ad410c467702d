import { describe, expect, it } from "vitest";
import {
  MAX_REPORT_PARTS,
  MAX_TEXT_CHARS,
  MessageTooLargeError,
  parseContentType,
  parseInbound,
} from "../../../src/mail/parse-inbound.js";
import {
  firstAddress,
  MAX_HEADER_FIELDS,
  MAX_HEADER_VALUE_CHARS,
  MAX_SCANNED_PARTS,
  normaliseMessageId,
  parseHeaderBlock,
  scanReportParts,
} from "../../../src/mail/raw-text.js";
import { eml } from "./fixtures.js";

describe("parseInbound", () => {
  it("extracts the fields rapport threads and classifies on", async () => {
    const raw = eml(
      {
        "Delivered-To": "Replies+42@Shop.example.com",
        "X-Original-To": "replies+42@shop.example.com",
        "Return-Path": "<jane@customer.example.org>",
        From: '"Jane Buyer" <Jane@Customer.example.org>',
        To: "Shop <hello@shop.example.com>, other@shop.example.com",
        Cc: "Friend <FRIEND@example.net>",
        Subject: "=?UTF-8?Q?Re:_Danke_f=C3=BCr_Ihre_Bestellung?=",
        "In-Reply-To": "<out-42.7f3a@shop.example.com>",
        References: "<out-41@shop.example.com>\r\n <out-42.7f3a@shop.example.com>",
        "Message-ID": "<reply-1@customer.example.org>",
        "Content-Type": 'multipart/mixed; boundary="M1"',
      },
      [
        "--M1",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<p>Hello <b>there</b></p><p>Second paragraph</p>",
        "--M1",
        'Content-Type: application/pdf; name="invoice.pdf"',
        "Content-Disposition: attachment; filename=invoice.pdf",
        "Content-Transfer-Encoding: base64",
        "",
        Buffer.from("%PDF-1.4 not really").toString("base64"),
        "--M1--",
        "",
      ].join("\n"),
    );
    const p = await parseInbound(raw);
    expect(p.messageId).toBe("<reply-1@customer.example.org>");
    expect(p.from).toEqual({ address: "jane@customer.example.org", name: "Jane Buyer" });
    expect(p.to).toEqual(["hello@shop.example.com", "other@shop.example.com"]);
    expect(p.cc).toEqual(["friend@example.net"]);
    expect(p.deliveredTo).toEqual(["replies+42@shop.example.com", "replies+42@shop.example.com"]);
    expect(p.returnPath).toBe("jane@customer.example.org");
    expect(p.subject).toBe("Re: Danke für Ihre Bestellung");
    expect(p.date).toBe(Date.parse("2024-01-02T10:00:00Z"));
    expect(p.inReplyTo).toEqual(["<out-42.7f3a@shop.example.com>"]);
    expect(p.references).toEqual(["<out-41@shop.example.com>", "<out-42.7f3a@shop.example.com>"]);
    // No text part: the text comes from the HTML.
    expect(p.text).toContain("Hello");
    expect(p.text).toContain("Second paragraph");
    expect(p.text).not.toContain("<p>");
    expect(p.attachments).toEqual([{ filename: "invoice.pdf", contentType: "application/pdf", size: 19 }]);
    expect(JSON.stringify(p)).not.toContain("PDF-1.4");
    expect(p.headers["x-original-to"]).toEqual(["replies+42@shop.example.com"]);
  });

  it('keeps the null sender "<>" apart from a missing Return-Path', async () => {
    expect((await parseInbound(eml({ "Return-Path": "<>" }, "x"))).returnPath).toBe("");
    expect((await parseInbound(eml({}, "x"))).returnPath).toBeNull();
  });

  it("refuses a message above maxBytes before parsing, naming the limit", async () => {
    const raw = eml({ Subject: "big" }, "x".repeat(2000));
    await expect(parseInbound(raw, { maxBytes: 1000 })).rejects.toThrow(MessageTooLargeError);
    await expect(parseInbound(raw, { maxBytes: 1000 })).rejects.toThrow(/maxBytes limit of 1000 bytes/);
    await expect(parseInbound(raw, { maxBytes: 10_000 })).resolves.toBeDefined();
  });

  it("has a 10 MiB default limit", async () => {
    const raw = Buffer.alloc(10 * 1024 * 1024 + 1, 0x61);
    await expect(parseInbound(raw)).rejects.toThrow(/10485760 bytes/);
  });

  it.each([
    ["random bytes", Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) % 256))],
    ["no headers at all", "just some words\nand more"],
    ["a header without a value", "From:\r\nTo:\r\nDate: not a date\r\n\r\nbody"],
    [
      "an unterminated multipart",
      'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi',
    ],
  ])("never throws on %s", async (_name, raw) => {
    const p = await parseInbound(raw);
    expect(p.date === null || Number.isFinite(p.date)).toBe(true);
    expect(typeof p.text).toBe("string");
  });
});

// What is read of a hostile message is bounded; these check the bounds and that reading
// stays right at them (the time each takes is measured in test/integration/inbound-adversarial).
describe("bounded reading", () => {
  it("folds a header over many lines into one value, cut at MAX_HEADER_VALUE_CHARS", () => {
    const [field] = parseHeaderBlock(`X-Folded: a${"\r\n b".repeat(50_000)}\r\nSubject: hi`);
    expect(field?.name).toBe("x-folded");
    expect(field?.value.startsWith("a b b")).toBe(true);
    expect(field?.value.length).toBeLessThanOrEqual(MAX_HEADER_VALUE_CHARS);
    expect(parseHeaderBlock("Subject:   Re: hello  \r\n\tworld ")).toEqual([
      { name: "subject", value: "Re: hello world" },
    ]);
  });

  it("keeps at most MAX_HEADER_FIELDS fields", () => {
    const fields = parseHeaderBlock("X-H: v\n".repeat(MAX_HEADER_FIELDS + 500));
    expect(fields.length).toBe(MAX_HEADER_FIELDS);
  });

  it("scans at most MAX_SCANNED_PARTS report parts, each within its window", () => {
    const text = "Content-Type: message/delivery-status\n\nStatus: 5.1.1\n--B\n".repeat(
      MAX_SCANNED_PARTS + 100,
    );
    const parts = scanReportParts(text);
    expect(parts.length).toBe(MAX_SCANNED_PARTS);
    expect(parts[0]).toEqual({ contentType: "message/delivery-status", content: "Status: 5.1.1\n" });
    // A Content-Type line with no empty line after it (within its window) is no part.
    expect(scanReportParts("Content-Type: message/rfc822\n".repeat(1000))).toEqual([]);
  });

  it("keeps at most MAX_REPORT_PARTS delivery-status parts of a bounce", async () => {
    const parts = Array.from(
      { length: MAX_REPORT_PARTS + 30 },
      (_, i) =>
        `--B\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; u${i}@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n`,
    ).join("");
    const p = await parseInbound(
      eml(
        {
          From: "MAILER-DAEMON@mx.example.net",
          "Content-Type": 'multipart/report; report-type=delivery-status; boundary="B"',
        },
        `${parts}--B--\r\n`,
      ),
    );
    expect(p.report.deliveryStatus.length).toBe(MAX_REPORT_PARTS);
    expect(p.report.deliveryStatus[0]).toContain("u0@example.org");
  });

  it("cuts the body text at MAX_TEXT_CHARS and says so", async () => {
    const p = await parseInbound(
      eml({ From: "a@example.org", Subject: "long" }, "word ".repeat(MAX_TEXT_CHARS / 4)),
    );
    expect(p.text.length).toBe(MAX_TEXT_CHARS);
    expect(p.warnings.some((w) => w.startsWith(`body text cut at ${MAX_TEXT_CHARS} characters`))).toBe(true);
  });

  it.each([
    [
      'multipart/report; report-type=delivery-status; boundary="B 1"',
      { "report-type": "delivery-status", boundary: "B 1" },
    ],
    ["text/plain;charset = utf-8 ; format=flowed", { charset: "utf-8", format: "flowed" }],
    [`text/plain; a=${" ".repeat(10_000)}"x"y`, { a: "x" }],
    ["text/plain; novalue; =x", {}],
  ])("reads Content-Type %#", (value, params) => {
    expect(parseContentType(value).params).toEqual(params);
  });

  it("finds addresses and Message-IDs in long runs without one, and bounded ones in text", () => {
    expect(firstAddress("a".repeat(100_000))).toBeNull();
    expect(firstAddress(`${"a".repeat(100_000)} Jane <Jane@Customer.example.org>`)).toBe(
      "jane@customer.example.org",
    );
    // Unclosed: read as a bare id, of bounded length.
    expect(normaliseMessageId(`<${"a@".repeat(50_000)}`)?.length).toBeLessThanOrEqual(515);
    expect(normaliseMessageId("x".repeat(100_000))).toBeNull();
    expect(normaliseMessageId("id-1@mail.example.net")).toBe("<id-1@mail.example.net>");
  });
});
