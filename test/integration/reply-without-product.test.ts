/**
 * Replies reach people even without a product, on real parts: Ada owns a turntable, but
 * writes a fresh mail (no reply address, no In-Reply-To) that reaches rapport through the
 * inbound route, so it is known only by her address and no product comes with it. The
 * shipped replies-to-team flow still forwards it to the team: its template guards every
 * product field with {{#if product}}.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { replyMime } from "../support/mail-in.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

describe("a reply with no product known", () => {
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

  it("is forwarded to the team by the shipped replies-to-team flow", async () => {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_RETRY_BASE_MS: "300" },
      { flows: ["thank-you", "replies-to-team"] },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    const s = sink;
    const st = store;

    expect((await postEvent(rapport.httpPort as number, registration({ id: "reg-1" }))).status).toBe(202);
    await s.waitFor(1);

    const raw = replyMime({
      from: "Ada Lovelace <ada@example.com>",
      to: "hello@lyra-audio.example",
      subject: "A question about my turntable",
      messageId: "<fresh-1@mail.example.com>",
      text: "Hello! Which cartridge would you recommend for mostly jazz records?",
    });
    const res = await fetch(`http://127.0.0.1:${rapport.httpPort}/v1/inbound`, {
      method: "POST",
      headers: { "content-type": "message/rfc822", authorization: `Bearer ${rapport.apiKeys[0]}` },
      body: raw,
    });
    expect(res.status).toBe(202);

    const toTeam = await eventually(
      async () => s.received.find((m) => m.envelopeTo.includes("owners@lyra-audio.example")),
      "the reply forwarded to the team",
    );
    expect(toTeam.parsed.subject).toBe("Reply from Ada Lovelace: A question about my turntable");
    expect(toTeam.parsed.text).toContain("Product:  not known");
    expect(toTeam.parsed.text).toContain("Which cartridge would you recommend for mostly jazz records?");
    expect(toTeam.parsed.html).toContain("Product: not known");

    // The row is marked sent just after the sink has the mail: wait for it.
    const tl = await eventually(async () => {
      const t = await st.timeline("ada@example.com");
      return t?.messages.find((m) => m.audience === "team")?.status === "sent" ? t : null;
    }, "the team notification marked sent");
    expect(tl.messages.find((m) => m.audience === "team")).toMatchObject({
      template: "reply-to-team",
      error: null,
    });
    // Known by her address only: no message answered, no product.
    expect(tl.interactions[0]).toMatchObject({
      kind: "human_reply",
      attributedBy: "sender",
      ownershipId: null,
    });
    const reply = tl.events.find((e) => e.type === "reply");
    expect(reply?.body.product).toBeUndefined();
  });
});
