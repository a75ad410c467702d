/**
 * Flows that react to what customers write, on real parts (Redis, SMTP both ways, SQLite):
 * a run waiting for a reply resumes on one when it comes and takes the other path when
 * time runs out; mail to an owner-only address is forwarded to the team with the
 * customer's context and acknowledged. What a flow sends because the customer replied
 * threads under their reply. Waits are shortened with RAPPORT_WAIT_SCALE.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { replyMime, sendToListener } from "../support/mail-in.js";
import { type ReceivedMail, type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const DAY = 24 * 3600_000;

describe("flows that react to replies", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    await store?.close();
    rapport = sink = store = null;
  });

  /** `dayMs`: how long one flow day lasts in the test. */
  async function boot(flows: string[], dayMs: number) {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_WAIT_SCALE: String(dayMs / DAY), RAPPORT_RETRY_BASE_MS: "300" },
      { flows },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    return { sink, rapport, store, port: rapport.inboundSmtpPort as number };
  }

  const answer = (port: number, to: ReceivedMail, text: string, id: string) => {
    const replyTo = to.parsed.replyTo?.value[0]?.address as string;
    return sendToListener(port, {
      from: "ada@example.com",
      to: replyTo,
      raw: replyMime({
        from: "Ada Lovelace <ada@example.com>",
        to: replyTo,
        subject: `Re: ${to.parsed.subject}`,
        inReplyTo: to.parsed.messageId as string,
        messageId: `<${id}@mail.example.com>`,
        text,
        quoted: to.parsed.text ?? "",
      }),
    });
  };

  it("resumes a run waiting for a reply and takes its on_reply path", async () => {
    // 3 days to the question = 3 s; the 10-day reply window = 10 s (room for a loaded machine
    // to carry the reply through the listener and the understanding worker in time).
    const { sink, rapport: r, store, port } = await boot(["get-to-know-you"], 1000);
    await postEvent(r.httpPort as number, registration({ id: "gk-1" }));
    const [question] = await sink.waitFor(1);
    expect(question?.parsed.subject).toBe("What will you play first on your Lyra RD 2780?");
    await answer(port, question as ReceivedMail, "Kind of Blue, of course.", "gk-answer");

    const [, thanks] = await sink.waitFor(2);
    expect(thanks?.parsed.subject).toBe("Thank you for your answer");
    expect(thanks?.envelopeTo).toEqual(["ada@example.com"]);
    // It answers what Ada wrote, so it threads under her answer in her mail program.
    expect(thanks?.parsed.inReplyTo).toBe("<gk-answer@mail.example.com>");
    expect(thanks?.parsed.references).toBe("<gk-answer@mail.example.com>");
    // The question answered nothing of hers.
    expect(question?.parsed.inReplyTo).toBeUndefined();
    const run = await eventually(async () => {
      const tl = await store.timeline("ada@example.com");
      return tl?.runs[0]?.status === "completed" ? tl.runs[0] : null;
    }, "the run to complete");
    const steps = run.steps.map((s) => `${s.stepType}:${s.stepId}`);
    expect(steps).toEqual([
      "wait:settle-in",
      "send:question",
      "wait_for_reply:answer",
      "wait_for_reply:answer",
      "send:thanks",
    ]);
    expect(run.steps[3]?.detail).toMatch(/^reply .*; on_reply$/);
    const tl = await store.timeline("ada@example.com");
    expect(tl?.interactions[0]).toMatchObject({ kind: "human_reply", text: "Kind of Blue, of course." });
    expect(run.state.replies).toHaveLength(1);
    // Nothing more arrives once the window closes.
    await new Promise((ok) => setTimeout(ok, 2500));
    expect(sink.received).toHaveLength(2);
  });

  it("takes the timeout path when nobody answers, and ignores a reply that comes too late", async () => {
    // 3 days = 0.3 s, the 10-day window = 1 s.
    const { sink, rapport: r, store, port } = await boot(["get-to-know-you"], 100);
    await postEvent(r.httpPort as number, registration({ id: "gk-2" }));
    const [question] = await sink.waitFor(1);
    const run = await eventually(async () => {
      const tl = await store.timeline("ada@example.com");
      return tl?.runs[0]?.status === "completed" ? tl.runs[0] : null;
    }, "the run to time out and complete");
    expect(run.state.replies).toEqual([]);
    expect(run.steps.at(-1)?.detail).toMatch(/^no reply by .*; on_timeout$/);

    await answer(port, question as ReceivedMail, "Sorry, I was away!", "gk-late");
    await eventually(
      async () => (await store.timeline("ada@example.com"))?.interactions.length,
      "the late reply",
    );
    await new Promise((ok) => setTimeout(ok, 800));
    expect(sink.received).toHaveLength(1); // no thank-you for an answer after the window
  });

  it("forwards mail to an owner-only address to the team and acknowledges it to the owner", async () => {
    const { sink, rapport: r, store, port } = await boot(["thank-you", "owner-line"], DAY);
    await postEvent(r.httpPort as number, registration({ id: "ol-1" }));
    const [thanks] = await sink.waitFor(1);
    const owner = /reply\+o[a-z2-7]{23}@reply\.lyra-audio\.example/.exec(
      thanks?.parsed.text ?? "",
    )?.[0] as string;
    await sendToListener(port, {
      from: "ada.private@example.org",
      to: owner,
      raw: replyMime({
        from: "Ada <ada.private@example.org>",
        to: owner,
        subject: "Does it play 78s?",
        messageId: "<owner-1@mail.example.org>",
        text: "Hello! Can my RD 2780 play shellac 78s?\n\nAda",
      }),
    });
    const all = await sink.waitFor(3);
    const team = all.find((m) => m.envelopeTo.includes("owners@lyra-audio.example"));
    const ack = all.slice(1).find((m) => m.envelopeTo.includes("ada@example.com"));
    expect(team?.parsed.subject).toBe("Owner message from Ada Lovelace: Does it play 78s?");
    expect(team?.parsed.text).toContain("Can my RD 2780 play shellac 78s?");
    expect(team?.parsed.text).toContain("RD-000123");
    // The team answers the customer with one click.
    expect(team?.parsed.replyTo?.value[0]?.address).toBe("ada@example.com");
    expect(ack?.parsed.subject).toBe("We have your message: Does it play 78s?");
    // The acknowledgement threads under Ada's message in her mail program.
    expect(ack?.parsed.inReplyTo).toBe("<owner-1@mail.example.org>");
    expect(ack?.parsed.references).toBe("<owner-1@mail.example.org>");
    // Names on the addresses: To is Ada, Reply-To the brand; the team's Reply-To is Ada.
    expect(ack?.parsed.to && !Array.isArray(ack.parsed.to) ? ack.parsed.to.value[0] : null).toEqual({
      name: "Ada Lovelace",
      address: "ada@example.com",
    });
    expect(ack?.parsed.replyTo?.value[0]?.name).toBe("Lyra Audio");
    expect(team?.parsed.replyTo?.value[0]?.name).toBe("Ada Lovelace");
    expect(team?.parsed.inReplyTo).toBeUndefined();

    const tl = await store.timeline("ada@example.com");
    expect(tl?.interactions[0]).toMatchObject({ toOwnerAddress: true, attributedBy: "owner-address" });
    expect(tl?.messages.map((m) => m.audience).sort()).toEqual(["customer", "customer", "team"]);
  });

  it("forwards a reply to one of our emails to the team", async () => {
    const { sink, rapport: r, store, port } = await boot(["thank-you", "replies-to-team"], DAY);
    await postEvent(r.httpPort as number, registration({ id: "rt-1" }));
    const [thanks] = await sink.waitFor(1);
    await answer(port, thanks as ReceivedMail, "Thank you! It arrived safely.", "rt-answer");
    const [, team] = await sink.waitFor(2);
    expect(team?.envelopeTo).toEqual(["owners@lyra-audio.example"]);
    expect(team?.parsed.subject).toMatch(/^Reply from Ada Lovelace: Re: Thank you for registering/);
    expect(team?.parsed.text).toContain("Thank you! It arrived safely.");
    expect(team?.parsed.text).not.toContain("> Hi Ada"); // the quote is stripped

    // An out-of-office answer is recorded but never answered or forwarded.
    const replyTo = thanks?.parsed.replyTo?.value[0]?.address as string;
    await sendToListener(port, {
      from: "ada@example.com",
      to: replyTo,
      raw: [
        "From: Ada Lovelace <ada@example.com>",
        `To: ${replyTo}`,
        "Subject: Automatic reply: Thank you for registering your Lyra RD 2780",
        "Auto-Submitted: auto-replied",
        "Message-ID: <ooo-1@mail.example.com>",
        "",
        "I am away until Monday.",
        "",
      ].join("\r\n"),
    });
    const tl = await eventually(async () => {
      const t = await store.timeline("ada@example.com");
      return t?.interactions.some((i) => i.kind === "auto_reply") ? t : null;
    }, "the auto-reply on the timeline");
    await new Promise((ok) => setTimeout(ok, 500));
    expect(sink.received).toHaveLength(2);
    expect(tl.events.filter((e) => e.type === "reply")).toHaveLength(1);
  });
});
