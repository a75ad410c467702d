/**
 * The pooled SMTP mailer (its transport runs on a sender thread): answers come back to
 * the right send, and a refusal keeps nodemailer's responseCode, which decides between
 * retrying and failing the message.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  createSmtpMailer,
  isPermanentSendError,
  type Mailer,
  SMTP_DEFAULTS,
} from "../../src/mail/transport.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";

const mail = (i: number) => ({
  from: "Lyra Audio <hello@lyra-audio.example>",
  to: `owner${i}@example.com`,
  subject: `Message ${i}`,
  html: `<p>Hello ${i}</p>`,
  text: `Hello ${i}`,
  messageId: `<m${i}@reply.lyra-audio.example>`,
  headers: { "X-Rapport-Message": `m${i}` },
});

describe("SMTP mailer", () => {
  let sink: SmtpSink | null = null;
  let mailer: Mailer | null = null;
  afterEach(async () => {
    await mailer?.close();
    await sink?.close();
    mailer = null;
    sink = null;
  });

  it("sends concurrently through the pool and tells permanent refusals from transient ones", async () => {
    sink = await startSmtpSink();
    mailer = createSmtpMailer(sink.url, { ...SMTP_DEFAULTS, poolSize: 3 });
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => (mailer as Mailer).send(mail(i))));
    expect(results.every((r) => r.response.startsWith("250"))).toBe(true);
    const received = await sink.waitFor(5);
    expect(new Set(received.map((m) => m.parsed.messageId))).toEqual(
      new Set([0, 1, 2, 3, 4].map((i) => `<m${i}@reply.lyra-audio.example>`)),
    );

    sink.failWith(550);
    const refused = await mailer.send(mail(5)).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(Error);
    expect(isPermanentSendError(refused)).toBe(true);

    sink.failWith(451);
    const deferred = await mailer.send(mail(6)).catch((err: unknown) => err);
    expect(deferred).toBeInstanceOf(Error);
    expect(isPermanentSendError(deferred)).toBe(false);

    sink.failWith(null);
    expect((await mailer.send(mail(7))).response).toMatch(/^250/);
    await mailer.close();
    await expect(mailer.send(mail(8))).rejects.toThrow("closed");
    mailer = null;
  });
});
