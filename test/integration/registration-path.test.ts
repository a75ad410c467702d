/**
 * The whole path on real parts: HTTP → store → BullMQ on a real Redis → flow →
 * template → nodemailer → a real SMTP server. The 14-day wait of the example flow is
 * shortened with RAPPORT_WAIT_SCALE (a setting), never by faking BullMQ's clock.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const FOURTEEN_DAYS = 14 * 24 * 3600_000;

describe("registration → thank-you → check-in", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    rapport = null;
    sink = null;
  });

  async function boot(waitSeconds: number) {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      {
        SMTP_URL: sink.url,
        RAPPORT_WAIT_SCALE: String((waitSeconds * 1000) / FOURTEEN_DAYS),
        RAPPORT_RETRY_BASE_MS: "300",
      },
      { flows: ["thank-you"] },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    return { sink, rapport, t };
  }

  it("delivers a personalised thank-you, then the check-in after the wait", async () => {
    const { sink, rapport, t } = await boot(2);
    const res = await postEvent(rapport.httpPort as number, registration({ id: "reg-1" }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ eventId: "reg-1", duplicate: false });

    const [thanks] = await sink.waitFor(1);
    expect(thanks?.envelopeTo).toEqual(["ada@example.com"]);
    expect(thanks?.parsed.subject).toContain("Lyra RD 2780");
    expect(thanks?.parsed.html).toContain("Ada");
    expect(thanks?.parsed.text).toContain("Ada");
    expect(thanks?.parsed.text).toContain("RD-000123");
    expect(thanks?.parsed.from?.text).toContain("Lyra Audio");

    // The check-in comes only after the (scaled) wait.
    expect(sink.received).toHaveLength(1);
    const all = await sink.waitFor(2, 20_000);
    const checkIn = all[1];
    expect(checkIn?.envelopeTo).toEqual(["ada@example.com"]);
    expect(checkIn?.parsed.subject).toMatch(/Lyra RD 2780/);
    expect(checkIn?.parsed.subject).not.toEqual(thanks?.parsed.subject);

    // Every step is on record, and each sent message carries the Message-ID of its row.
    const store = await openTestStore(t.settings);
    const timeline = await eventually(async () => {
      const tl = await store.timeline("ada@example.com");
      // The sink sees a message just before the ledger records it as sent.
      const done = tl?.runs[0]?.status === "completed" && tl.messages.every((m) => m.status === "sent");
      return done ? tl : null;
    }, "the run to complete and both messages to be recorded as sent");
    expect(timeline.messages.map((m) => m.status)).toEqual(["sent", "sent"]);
    // The last branch (care tips by text) is for owners with a phone and SMS consent: not Ada.
    expect(timeline.runs[0]?.steps.map((s) => s.stepType)).toEqual(["send", "wait", "send", "branch"]);
    expect(new Set(all.map((m) => m.parsed.messageId))).toEqual(
      new Set(timeline.messages.map((m) => m.messageIdHeader)),
    );
    await store.close();
  });

  it("accepts a repeated event id once and sends one thank-you", async () => {
    const { sink, rapport } = await boot(3600); // the check-in stays far away
    const port = rapport.httpPort as number;
    const first = await postEvent(port, registration({ id: "same-id", email: "grace@example.com" }));
    const second = await postEvent(port, registration({ id: "same-id", email: "grace@example.com" }));
    expect(await first.json()).toEqual({ eventId: "same-id", duplicate: false });
    expect(await second.json()).toEqual({ eventId: "same-id", duplicate: true });
    await sink.waitFor(1);
    // A different event for the same product registration does not start a second run either
    // (entry: once_per_product).
    await postEvent(port, registration({ id: "other-id", email: "grace@example.com" }));
    await new Promise((r) => setTimeout(r, 1500));
    expect(sink.received).toHaveLength(1);
  });

  it("waits out an SMTP outage and then delivers exactly once", async () => {
    const { sink, rapport, t } = await boot(3600);
    sink.failWith(451);
    await postEvent(rapport.httpPort as number, registration({ id: "outage-1", email: "linus@example.com" }));
    const store = await openTestStore(t.settings);
    await eventually(async () => {
      const tl = await store.timeline("linus@example.com");
      const m = tl?.messages[0];
      return m && m.attempts >= 2 && m.status === "queued" ? m : null;
    }, "two failed attempts");
    sink.failWith(null);
    await sink.waitFor(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.received).toHaveLength(1);
    const tl = await store.timeline("linus@example.com");
    expect(tl?.messages[0]?.status).toBe("sent");
    await store.close();
  });
});
