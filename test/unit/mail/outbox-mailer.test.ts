/**
 * The outbox folder (embedded mode): files named `TIME-TEMPLATE-RECIPIENT.eml` so `ls`
 * says what went to whom, never one overwriting another; display names on To and Reply-To
 * given as address objects, so no name can add a header; threading headers on an answer.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { answeredMessageId } from "../../../src/jobs/process-delivery.js";
import { createOutboxMailer, type OutgoingMail, outboxFileName } from "../../../src/mail/transport.js";

const mail = (over: Partial<OutgoingMail> = {}): OutgoingMail => ({
  from: "Lyra Audio <hello@lyra-audio.example>",
  to: { name: "Ada Lovelace", address: "ada@example.com" },
  replyTo: { name: "Lyra Audio", address: "reply+mabc@reply.lyra-audio.example" },
  subject: "Thank you",
  html: "<p>Thanks</p>",
  text: "Thanks",
  messageId: "<m-1@lyra-audio.example>",
  template: "thank-you",
  ...over,
});

describe("outbox file names", () => {
  it("are TIME-TEMPLATE-RECIPIENT, in UTC, in characters safe everywhere", () => {
    const at = new Date("2026-11-30T08:35:12.345Z");
    expect(outboxFileName(mail(), at)).toBe("2026-11-30T08.35.12Z-thank-you-ada@example.com");
    expect(outboxFileName(mail({ to: 'o"dd/../na me@example.com', template: undefined }), at)).toBe(
      "2026-11-30T08.35.12Z-message-o_dd_.._na_me@example.com",
    );
  });
});

describe("the outbox mailer", () => {
  it("writes each message under its own name, a second one alike beside it, never over it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-outbox-"));
    const outbox = createOutboxMailer(dir);
    await outbox.send(mail());
    await outbox.send(mail({ messageId: "<m-2@lyra-audio.example>" }));
    await outbox.send(mail({ messageId: "<m-3@lyra-audio.example>" }));
    const names = readdirSync(dir).sort();
    expect(names).toHaveLength(3);
    for (const n of names)
      expect(n).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}Z-thank-you-ada@example\.com(-\d)?\.eml$/);
    const ids = await Promise.all(
      names.map(async (n) => (await simpleParser(readFileSync(join(dir, n)))).messageId),
    );
    expect(new Set(ids)).toEqual(
      new Set(["<m-1@lyra-audio.example>", "<m-2@lyra-audio.example>", "<m-3@lyra-audio.example>"]),
    );
  });

  it("names To and Reply-To, and a name with a line break in it adds no header", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-outbox-"));
    const outbox = createOutboxMailer(dir);
    await outbox.send(
      mail({
        to: { name: "Ada\r\nBcc: eve@evil.example", address: "ada@example.com" },
        inReplyTo: "<owner-1@mail.example.org>",
      }),
    );
    const [name] = readdirSync(dir);
    const raw = readFileSync(join(dir, name as string), "utf8");
    const parsed = await simpleParser(raw);
    expect(parsed.headers.has("bcc")).toBe(false);
    expect(raw).not.toMatch(/^Bcc:/im);
    const to = parsed.to && !Array.isArray(parsed.to) ? parsed.to.value : [];
    expect(to.map((a) => a.address)).toEqual(["ada@example.com"]);
    expect(parsed.replyTo?.value[0]).toEqual({
      name: "Lyra Audio",
      address: "reply+mabc@reply.lyra-audio.example",
    });
    expect(parsed.inReplyTo).toBe("<owner-1@mail.example.org>");
    expect(parsed.references).toBe("<owner-1@mail.example.org>");
  });
});

describe("answeredMessageId", () => {
  const ctx = (props: Record<string, unknown> | null, inReplyTo: string | null = null) =>
    ({
      message: { inReplyTo },
      event: props
        ? { body: { type: "owner_message", customer: { email: "a@b.co" }, properties: props } }
        : null,
    }) as never;
  it.each([
    [
      "the mail that started the run",
      ctx({ inboundMessageId: "<owner-1@mail.example.org>" }),
      "<owner-1@mail.example.org>",
    ],
    ["a header injection", ctx({ inboundMessageId: "<a@b>\r\nBcc: x@y.z" }), null],
    ["no brackets", ctx({ inboundMessageId: "no-brackets@x" }), null],
    ["no Message-ID", ctx({}), null],
    ["no event", ctx(null), null],
    ["the reply a step answers", ctx(null, "<answer@mail.example.org>"), "<answer@mail.example.org>"],
    [
      "the reply a step answers, before the mail that started the run",
      ctx({ inboundMessageId: "<owner-1@mail.example.org>" }, "<answer@mail.example.org>"),
      "<answer@mail.example.org>",
    ],
    [
      "a malformed reply's, then the run's",
      ctx({ inboundMessageId: "<owner-1@x.org>" }, "<a b>"),
      "<owner-1@x.org>",
    ],
  ])("%s", (_name, c, expected) => {
    expect(answeredMessageId(c)).toBe(expected);
  });
});
