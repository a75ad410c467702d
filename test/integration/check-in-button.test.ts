/**
 * The check-in's "Tell us how it's going" button writes to the message's own reply
 * address, on real parts: the button's mailto is the check-in's Reply-To, and a message
 * written after a click (a new message: no In-Reply-To, no quote) comes back through the
 * SMTP listener attributed to that check-in, as a person's reply.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { sendToListener } from "../support/mail-in.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const DAY = 24 * 3600_000;

describe("the check-in's button", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    await store?.close();
    rapport = sink = store = null;
  });

  it("mails the check-in's Reply-To, and a click is recorded as a reply to the check-in", async () => {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      // The flow's 14 days pass in 0.7 s.
      { SMTP_URL: sink.url, RAPPORT_WAIT_SCALE: String(50 / DAY), RAPPORT_RETRY_BASE_MS: "300" },
      { flows: ["thank-you"] },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    expect((await postEvent(rapport.httpPort as number, registration({ id: "ci-1" }))).status).toBe(202);
    const mails = await sink.waitFor(2);
    const checkIn = mails.find((m) => /How is your/.test(m.parsed.subject ?? ""));
    if (!checkIn) throw new Error("no check-in arrived");

    const replyTo = checkIn.parsed.replyTo?.value[0]?.address as string;
    expect(replyTo).toMatch(/^reply\+m[a-z2-7]{42}@reply\.lyra-audio\.example$/);
    const button = /<a\s[^>]*href="mailto:([^"]+)"[^>]*>\s*Tell us how it's going\s*<\/a>/i.exec(
      checkIn.parsed.html || "",
    );
    expect(button?.[1]).toBe(replyTo);

    const raw = [
      "From: Ada Lovelace <ada@example.com>",
      `To: ${button?.[1]}`,
      "Subject: Going well",
      "Message-ID: <click-1@mail.example.com>",
      "Date: Sun, 06 Dec 2026 12:00:00 +0000",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "It sounds lovely, thank you. The hum is gone since I moved it.",
      "",
    ].join("\r\n");
    const answer = await sendToListener(rapport.inboundSmtpPort as number, {
      from: "ada@example.com",
      to: replyTo,
      raw,
    });
    expect(answer.response).toMatch(/^250 /);

    const tl = await eventually(async () => {
      const found = await store?.timeline("ada@example.com");
      return found?.interactions.length ? found : null;
    }, "the click's message on the timeline");
    const sent = tl.messages.find((m) => m.template === "check-in");
    expect(sent).toBeTruthy();
    expect(tl.interactions[0]).toMatchObject({
      kind: "human_reply",
      attributedBy: "reply-address",
      messageId: sent?.id,
      toOwnerAddress: false,
      text: "It sounds lovely, thank you. The hum is gone since I moved it.",
    });
  });
});
