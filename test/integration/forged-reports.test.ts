/**
 * No third party harmed, on real parts: Ada owns a product (so she has an owner-only
 * address and the return address of her own thank-you); Bob is another customer. Forged
 * bounces, feedback reports and unsubscribe requests travel by real SMTP into rapport's
 * listener naming Bob; none stops mail to Bob (or to Ada), and each is recorded on the
 * timeline it was attributed to with the reason it did not suppress. A real bounce to the
 * return address of Bob's own message, naming Bob, still suppresses him.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { InteractionRow, Store } from "../../src/store/store.js";
import { replyMime, sendToListener } from "../support/mail-in.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const OWNER_LINE = /reply\+o[a-z0-9]+@reply\.lyra-audio\.example/;

/** An RFC 3464 delivery status notification about `messageId`, sent to `to`, naming `recipient`. */
function dsn(o: {
  to: string;
  recipient: string;
  messageId: string;
  originalTo: string;
  id: string;
  originalRecipient?: string;
}): string {
  return [
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>",
    `To: ${o.to}`,
    "Subject: Undelivered Mail Returned to Sender",
    `Message-ID: <${o.id}@mx.example.com>`,
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain",
    "",
    "I'm sorry to have to inform you that your message could not be delivered.",
    "",
    "--b1",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.example.com",
    "",
    ...(o.originalRecipient ? [`Original-Recipient: rfc822; ${o.originalRecipient}`] : []),
    `Final-Recipient: rfc822; ${o.recipient}`,
    "Action: failed",
    "Status: 5.1.1",
    `Diagnostic-Code: smtp; 550 5.1.1 <${o.recipient}>: Recipient address rejected: User unknown`,
    "",
    "--b1",
    "Content-Type: text/rfc822-headers",
    "",
    `Message-ID: ${o.messageId}`,
    `To: ${o.originalTo}`,
    "",
    "--b1--",
    "",
  ].join("\r\n");
}

/** An RFC 5965 (ARF) feedback report: `recipient` pressed "this is spam" on `messageId`. */
function arf(o: { to: string; recipient: string; messageId: string; id: string }): string {
  return [
    "From: Feedback Loop <fbl@isp.example>",
    `To: ${o.to}`,
    "Subject: FW: Abuse report",
    `Message-ID: <${o.id}@isp.example>`,
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=feedback-report; boundary="f1"',
    "",
    "--f1",
    "Content-Type: text/plain",
    "",
    "This is an email abuse report for an email message received from IP 192.0.2.1.",
    "",
    "--f1",
    "Content-Type: message/feedback-report",
    "",
    "Feedback-Type: abuse",
    "User-Agent: SomeGenerator/1.0",
    "Version: 1",
    `Original-Rcpt-To: <${o.recipient}>`,
    "",
    "--f1",
    "Content-Type: text/rfc822-headers",
    "",
    `Message-ID: ${o.messageId}`,
    `To: ${o.recipient}`,
    "Subject: Thank you",
    "",
    "--f1--",
    "",
  ].join("\r\n");
}

describe("forged reports harm no third party", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    await store?.close();
    rapport = null;
    sink = null;
    store = null;
  });

  async function boot() {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_RETRY_BASE_MS: "300", INBOUND_MAX_BYTES: String(64 * 1024) },
      { flows: ["thank-you"] },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    const ada = await register(rapport, sink, "ada@example.com", "reg-ada");
    const bob = await register(rapport, sink, "bob@example.com", "reg-bob");
    return { store, port: rapport.inboundSmtpPort as number, ada, bob };
  }

  async function register(r: Rapport, s: SmtpSink, email: string, id: string) {
    const res = await postEvent(r.httpPort as number, registration({ id, email }));
    expect(res.status).toBe(202);
    const mail = await eventually(
      async () => s.received.find((m) => m.envelopeTo.includes(email)),
      `the thank-you to ${email}`,
    );
    return {
      email,
      verp: mail.envelopeFrom as string,
      messageId: mail.parsed.messageId as string,
      ownerLine: OWNER_LINE.exec(mail.parsed.text ?? "")?.[0] as string,
    };
  }

  /** The interaction recorded for the inbound mail with this Message-ID, on `email`'s timeline. */
  async function recorded(s: Store, email: string, messageIdHeader: string): Promise<InteractionRow> {
    return eventually(async () => {
      const t = await s.timeline(email);
      return t?.interactions.find((i) => i.messageIdHeader === messageIdHeader);
    }, `${messageIdHeader} on ${email}'s timeline`);
  }

  async function expectNobodySuppressed(s: Store) {
    expect(await s.getSuppression("bob@example.com")).toBeNull();
    expect(await s.getSuppression("ada@example.com")).toBeNull();
  }

  it("a DSN to Ada's owner-only address naming Bob is recorded on Ada's timeline and suppresses nobody", async () => {
    const { store: s, port, ada, bob } = await boot();
    const raw = dsn({
      to: ada.ownerLine,
      recipient: bob.email,
      messageId: "<guessed@lyra-audio.example>",
      originalTo: bob.email,
      id: "dsn-owner",
    });
    await sendToListener(port, { from: "", to: ada.ownerLine, raw });
    const i = await recorded(s, ada.email, "<dsn-owner@mx.example.com>");
    expect(i).toMatchObject({ kind: "bounce", attributedBy: "owner-address" });
    expect(i.detail.suppression).toMatchObject({
      applied: false,
      reason: expect.stringMatching(/owner-only address.*bob@example\.com/),
    });
    await expectNobodySuppressed(s);
  });

  it("an ARF report to Ada's owner-only address naming Bob suppresses nobody", async () => {
    const { store: s, port, ada, bob } = await boot();
    const raw = arf({ to: ada.ownerLine, recipient: bob.email, messageId: bob.messageId, id: "arf-owner" });
    await sendToListener(port, { from: "fbl@isp.example", to: ada.ownerLine, raw });
    const i = await recorded(s, ada.email, "<arf-owner@isp.example>");
    expect(i).toMatchObject({ kind: "complaint", attributedBy: "owner-address" });
    expect(i.detail.suppression).toMatchObject({
      applied: false,
      reason: expect.stringMatching(/owner-only/),
    });
    await expectNobodySuppressed(s);
  });

  it("a DSN to the return address of Ada's message naming Bob suppresses nobody", async () => {
    const { store: s, port, ada, bob } = await boot();
    const raw = dsn({
      to: ada.verp,
      recipient: bob.email,
      messageId: ada.messageId,
      originalTo: bob.email,
      id: "dsn-token",
    });
    await sendToListener(port, { from: "", to: ada.verp, raw });
    const i = await recorded(s, ada.email, "<dsn-token@mx.example.com>");
    expect(i).toMatchObject({ kind: "bounce", attributedBy: "reply-address" });
    expect(i.detail.suppression).toMatchObject({
      applied: false,
      reason: expect.stringMatching(/names bob@example\.com, but .* sent to ada@example\.com/),
    });
    await expectNobodySuppressed(s);
  });

  it("a DSN for Ada's message whose returned headers name Bob suppresses nobody", async () => {
    const { store: s, port, ada, bob } = await boot();
    // The report's recipient left out (as some servers do): the returned message's To: still counts.
    const raw = dsn({
      to: ada.verp,
      recipient: ada.email,
      messageId: ada.messageId,
      originalTo: `Bob <${bob.email}>`,
      id: "dsn-headers",
    });
    await sendToListener(port, { from: "", to: ada.verp, raw });
    const i = await recorded(s, ada.email, "<dsn-headers@mx.example.com>");
    expect(i.detail.suppression).toMatchObject({
      applied: false,
      reason: expect.stringMatching(/returned message was addressed to bob@example\.com/),
    });
    await expectNobodySuppressed(s);
  });

  it("an ARF report for Ada's message naming Bob suppresses nobody", async () => {
    const { store: s, port, ada, bob } = await boot();
    const raw = arf({ to: ada.verp, recipient: bob.email, messageId: ada.messageId, id: "arf-token" });
    await sendToListener(port, { from: "fbl@isp.example", to: ada.verp, raw });
    const i = await recorded(s, ada.email, "<arf-token@isp.example>");
    expect(i).toMatchObject({ kind: "complaint", attributedBy: "reply-address" });
    expect(i.detail.suppression).toMatchObject({
      applied: false,
      reason: expect.stringMatching(/names bob/),
    });
    await expectNobodySuppressed(s);
  });

  it("an unsubscribe to Ada's owner line From: Bob suppresses nobody", async () => {
    const { store: s, port, ada } = await boot();
    const raw = replyMime({
      from: "Bob <bob@example.com>",
      to: ada.ownerLine,
      subject: "unsubscribe",
      messageId: "<unsub-forged@mail.example.com>",
      text: "unsubscribe bob@example.com",
    });
    await sendToListener(port, { from: "bob@example.com", to: ada.ownerLine, raw });
    const i = await recorded(s, ada.email, "<unsub-forged@mail.example.com>");
    expect(i).toMatchObject({ kind: "unsubscribe", attributedBy: "owner-address" });
    expect(i.detail.suppression).toMatchObject({
      applied: false,
      reason: expect.stringMatching(
        /sent from bob@example\.com, not from the customer's address ada@example\.com/,
      ),
    });
    await expectNobodySuppressed(s);
  });

  it("a report reaching us with no token of ours is recorded on the named customer's timeline, unsuppressed", async () => {
    const { store: s, bob } = await boot();
    const raw = dsn({
      to: "bounces@lyra-audio.example",
      recipient: bob.email,
      messageId: "<guessed@lyra-audio.example>",
      originalTo: bob.email,
      id: "dsn-http",
    });
    const res = await fetch(`http://127.0.0.1:${(rapport as Rapport).httpPort}/v1/inbound`, {
      method: "POST",
      headers: {
        "content-type": "message/rfc822",
        authorization: `Bearer ${(rapport as Rapport).apiKeys[0]}`,
      },
      body: raw,
    });
    expect(res.status).toBe(202);
    const i = await recorded(s, bob.email, "<dsn-http@mx.example.com>");
    expect(i).toMatchObject({ kind: "bounce", attributedBy: "recipient" });
    expect(i.detail.suppression).toMatchObject({
      applied: false,
      reason: expect.stringMatching(/found only by the address it names/),
    });
    await expectNobodySuppressed(s);
  });

  it("a real bounce to the return address of Bob's message naming Bob suppresses Bob, and only Bob", async () => {
    const { store: s, port, bob } = await boot();
    const raw = dsn({
      to: bob.verp,
      recipient: "Bob@Example.com",
      messageId: bob.messageId,
      originalTo: `Bob Example <${bob.email}>`,
      id: "dsn-real",
    });
    await sendToListener(port, { from: "", to: bob.verp, raw });
    const i = await recorded(s, bob.email, "<dsn-real@mx.example.com>");
    expect(i.detail.suppression).toMatchObject({ applied: true, email: bob.email, as: "hard_bounce" });
    expect(await s.getSuppression(bob.email)).toMatchObject({ reason: "hard_bounce", interactionId: i.id });
    expect(await s.getSuppression("ada@example.com")).toBeNull();
  });

  it("a real bounce after a forward (Final-Recipient changed, Original-Recipient Bob's) suppresses Bob", async () => {
    const { store: s, port, bob } = await boot();
    const raw = dsn({
      to: bob.verp,
      recipient: "bob.b@corp.example",
      originalRecipient: bob.email,
      messageId: bob.messageId,
      originalTo: bob.email,
      id: "dsn-forward",
    });
    await sendToListener(port, { from: "", to: bob.verp, raw });
    const i = await recorded(s, bob.email, "<dsn-forward@mx.example.com>");
    expect(i.detail.suppression).toMatchObject({ applied: true, email: bob.email });
    expect(await s.getSuppression(bob.email)).toMatchObject({ reason: "hard_bounce" });
    expect(await s.getSuppression("bob.b@corp.example")).toBeNull();
  });

  it("a real complaint for Ada's message naming Ada suppresses Ada and nobody else", async () => {
    const { store: s, port, ada } = await boot();
    const raw = arf({ to: ada.verp, recipient: ada.email, messageId: ada.messageId, id: "arf-real" });
    await sendToListener(port, { from: "fbl@isp.example", to: ada.verp, raw });
    const i = await recorded(s, ada.email, "<arf-real@isp.example>");
    expect(i.detail.suppression).toMatchObject({ applied: true, as: "complaint" });
    expect(await s.getSuppression(ada.email)).toMatchObject({ reason: "complaint" });
    expect(await s.getSuppression("bob@example.com")).toBeNull();
  });

  it("an unsubscribe through the return address of Bob's message suppresses Bob, from whatever address", async () => {
    const { store: s, port, bob } = await boot();
    const raw = replyMime({
      from: "Bob at work <bob@work.example>",
      to: bob.verp,
      subject: "unsubscribe",
      messageId: "<unsub-real@work.example>",
      text: "",
    });
    await sendToListener(port, { from: "bob@work.example", to: bob.verp, raw });
    const i = await recorded(s, bob.email, "<unsub-real@work.example>");
    expect(i).toMatchObject({ kind: "unsubscribe", attributedBy: "reply-address" });
    expect(await s.getSuppression(bob.email)).toMatchObject({ reason: "unsubscribe" });
    expect(await s.getSuppression("bob@work.example")).toBeNull();
  });
});
