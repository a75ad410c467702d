import { describe, expect, it } from "vitest";
import { MessageTooLargeError, parseInbound } from "../../../src/mail/parse-inbound.js";
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
