/**
 * Replies come home, on real parts: rapport sends the thank-you to a real SMTP server,
 * a customer's reply travels by real SMTP into rapport's own listener, and the store
 * records it on the customer's timeline, attributed to the message it answers.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { replyMime, sendToListener } from "../support/mail-in.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

describe("replies and the owner line", () => {
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

  async function boot(overrides: Record<string, string> = {}) {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      {
        SMTP_URL: sink.url,
        RAPPORT_RETRY_BASE_MS: "300",
        INBOUND_MAX_BYTES: String(64 * 1024),
        ...overrides,
      },
      { flows: ["thank-you"] },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    const thanks = await postAndWait(rapport, sink, "ada@example.com", "reg-1");
    return { sink, rapport, store, thanks, inboundPort: rapport.inboundSmtpPort as number };
  }

  async function postAndWait(r: Rapport, s: SmtpSink, email: string, id: string) {
    const before = s.received.length;
    const res = await postEvent(r.httpPort as number, registration({ id, email }));
    expect(res.status).toBe(202);
    const all = await s.waitFor(before + 1);
    const mail = all[before];
    if (!mail) throw new Error("no thank-you arrived");
    return mail;
  }

  it("sends the thank-you with its own reply address and the owner line", async () => {
    const { thanks } = await boot();
    const replyTo = thanks.parsed.replyTo?.value[0]?.address ?? "";
    expect(replyTo).toMatch(/^reply\+m[a-z2-7]{42}@reply\.lyra-audio\.example$/);
    // Bounces come home to the same address (VERP).
    expect(thanks.envelopeFrom).toBe(replyTo);
    // Transactional: no List-Unsubscribe (relationship mail has it: one-click-unsubscribe.test.ts).
    expect(thanks.parsed.headerLines.find((h) => h.key === "list-unsubscribe")).toBeUndefined();
    expect(thanks.parsed.headers.get("auto-submitted")).toBe("auto-generated");
    const owner = /reply\+o[a-z2-7]{23}@reply\.lyra-audio\.example/.exec(thanks.parsed.text ?? "")?.[0];
    expect(owner).toBeTruthy();
    expect(thanks.parsed.html).toContain(`mailto:${owner}`);
  });

  it("records a reply on the timeline, attributed to the message it answers, without the quote", async () => {
    const { thanks, inboundPort, store } = await boot();
    const replyTo = thanks.parsed.replyTo?.value[0]?.address as string;
    const answer = await sendToListener(inboundPort, {
      from: "ada@example.com",
      to: replyTo,
      raw: replyMime({
        from: "Ada Lovelace <ada@example.com>",
        to: replyTo,
        subject: `Re: ${thanks.parsed.subject}`,
        inReplyTo: thanks.parsed.messageId as string,
        messageId: "<reply-1@mail.example.com>",
        text: "It sounds wonderful. Which cartridge do you recommend?",
        quoted: "Thank you, Ada.\nYour Lyra RD 2780 is now registered to you.",
      }),
    });
    expect(answer.response).toMatch(/^250 /);

    const tl = await eventually(async () => {
      const t = await store.timeline("ada@example.com");
      return t?.interactions.length ? t : null;
    }, "the reply on the timeline");
    const [reply] = tl.interactions;
    expect(reply).toMatchObject({
      kind: "human_reply",
      attributedBy: "reply-address",
      messageId: tl.messages[0]?.id,
      runId: tl.runs[0]?.id,
      ownershipId: tl.ownerships[0]?.id,
      fromAddress: "ada@example.com",
      text: "It sounds wonderful. Which cartridge do you recommend?",
      toOwnerAddress: false,
    });
    // The reply is also an event flows can act on.
    const event = await eventually(async () => {
      const t = await store.timeline("ada@example.com");
      return t?.events.find((e) => e.type === "reply");
    }, "a reply event");
    expect(event.body.properties?.interactionId).toBe(reply?.id);
  });

  it("attributes a reply that lost its Reply-To by In-Reply-To, and records a second copy once", async () => {
    const { thanks, inboundPort, store, rapport: r } = await boot();
    const owner = /reply\+o[a-z2-7]{23}@reply\.lyra-audio\.example/.exec(
      thanks.parsed.text ?? "",
    )?.[0] as string;
    const raw = replyMime({
      from: "Ada <ada@example.com>",
      to: owner,
      subject: "Re: thanks",
      inReplyTo: thanks.parsed.messageId as string,
      messageId: "<copy-1@mail.example.com>",
      text: "Sent twice by my phone.",
    });
    // Once to the owner address, once more through the HTTP inbound route.
    await sendToListener(inboundPort, { from: "ada@example.com", to: owner, raw });
    // The first copy recorded before the second arrives: the second is then the copy.
    await eventually(
      async () => (await store.timeline("ada@example.com"))?.interactions.length === 1,
      "the first copy recorded",
    );
    const res = await fetch(`http://127.0.0.1:${r.httpPort}/v1/inbound`, {
      method: "POST",
      headers: { "content-type": "message/rfc822", authorization: `Bearer ${r.apiKeys[0]}` },
      body: raw,
    });
    expect(res.status).toBe(202);
    const { inboundId } = (await res.json()) as { inboundId: string };
    await eventually(
      async () => (await store.getInbound(inboundId))?.status === "processed",
      "the copy processed",
    );
    const tl = await store.timeline("ada@example.com");
    expect(tl?.interactions).toHaveLength(1);
    expect(tl?.interactions[0]).toMatchObject({ attributedBy: "owner-address", toOwnerAddress: true });
    expect((await store.getInbound(inboundId))?.error).toMatch(/copy/);
  });

  it("refuses forged tokens, other mailboxes and foreign domains at RCPT, and oversized mail with 552", async () => {
    const { thanks, inboundPort } = await boot();
    const replyTo = thanks.parsed.replyTo?.value[0]?.address as string;
    const forged = `${replyTo.slice(0, 40)}${replyTo[40] === "a" ? "b" : "a"}${replyTo.slice(41)}`;
    const raw = replyMime({
      from: "x@example.com",
      to: forged,
      subject: "hi",
      messageId: "<f@x>",
      text: "hi",
    });
    const attempt = (to: string, body = raw) =>
      sendToListener(inboundPort, { from: "x@example.com", to, raw: body }).then(
        () => ({ responseCode: 250 }),
        (err: { responseCode?: number; response?: string }) => err,
      );
    expect(await attempt(forged)).toMatchObject({
      responseCode: 550,
      response: expect.stringMatching(/5\.1\.1/),
    });
    expect(await attempt("postmaster@reply.lyra-audio.example")).toMatchObject({ responseCode: 550 });
    expect(await attempt("victim@gmail.example")).toMatchObject({
      responseCode: 550,
      response: expect.stringMatching(/relaying denied/),
    });
    const big = `${raw}${"x".repeat(70 * 1024)}\r\n`;
    expect(await attempt(replyTo, big)).toMatchObject({ responseCode: 552 });
  });

  it("suppresses an address that hard-bounced, and does not write to it again", async () => {
    const { thanks, inboundPort, store, sink: s, rapport: r } = await boot();
    const verp = thanks.envelopeFrom as string;
    const dsn = [
      "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>",
      `To: ${verp}`,
      "Subject: Undelivered Mail Returned to Sender",
      "Message-ID: <dsn-1@mx.example.com>",
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
      "Final-Recipient: rfc822; ada@example.com",
      "Action: failed",
      "Status: 5.1.1",
      "Diagnostic-Code: smtp; 550 5.1.1 <ada@example.com>: Recipient address rejected: User unknown",
      "",
      "--b1",
      "Content-Type: text/rfc822-headers",
      "",
      `Message-ID: ${thanks.parsed.messageId}`,
      "To: ada@example.com",
      "",
      "--b1--",
      "",
    ].join("\r\n");
    await sendToListener(inboundPort, { from: "", to: verp, raw: dsn });
    const tl = await eventually(async () => {
      const t = await store.timeline("ada@example.com");
      return t?.suppression ? t : null;
    }, "the suppression");
    expect(tl.suppression).toMatchObject({ email: "ada@example.com", reason: "hard_bounce" });
    expect(tl.interactions[0]).toMatchObject({ kind: "bounce", attributedBy: "reply-address" });
    // Never answer a bounce: no reply event, nothing sent.
    expect(tl.events.map((e) => e.type)).toEqual(["registration"]);

    // A second product registered: its thank-you is not sent to the dead address.
    const res = await postEvent(r.httpPort as number, {
      ...registration({ id: "reg-2" }),
      product: { sku: "LYRA-AMP-1", name: "Lyra Amp", serial: "A-1" },
    });
    expect(res.status).toBe(202);
    const later = await eventually(async () => {
      const t = await store.timeline("ada@example.com");
      const m = t?.messages.find((x) => x.status === "suppressed");
      return m ?? null;
    }, "the second thank-you to be suppressed");
    expect(later.error).toMatch(/suppressed \(hard bounce/);
    expect(s.received).toHaveLength(1);
  });
});
