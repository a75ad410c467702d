/**
 * The brand's send policy on real parts: a relationship message due outside the send
 * window, or over the frequency cap, is postponed (kept queued with its time), never
 * dropped; transactional messages go at once.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { replyMime, sendToListener } from "../support/mail-in.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const DAY = 24 * 3600_000;
const pad = (n: number) => String(n).padStart(2, "0");

describe("send windows and frequency caps", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    await store?.close();
    rapport = sink = store = null;
  });

  async function boot(flows: string[], sending: unknown, dayMs: number) {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_WAIT_SCALE: String(dayMs / DAY), RAPPORT_RETRY_BASE_MS: "300" },
      { flows, sending },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    return { sink, rapport, store };
  }

  it("postpones a relationship message to the window's next opening, and sends the transactional one at once", async () => {
    // A one-hour window starting two hours from now (UTC, the customer's zone), every day.
    const opening = new Date(Date.now() + 2 * 3600_000);
    const start = `${pad(opening.getUTCHours())}:00`;
    const end = `${pad((opening.getUTCHours() + 1) % 24)}:00`;
    const window = { start, end, days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] };
    const { sink, rapport: r, store } = await boot(["thank-you", "get-to-know-you"], { window }, 100);
    await postEvent(r.httpPort as number, {
      ...registration({ id: "sp-1" }),
      customer: { email: "ada@example.com", name: "Ada Lovelace", timezone: "UTC" },
    });
    // The thank-you is transactional: it does not wait for the window.
    const [thanks] = await sink.waitFor(1);
    expect(thanks?.parsed.subject).toMatch(/^Thank you for registering/);
    // The question (3 days = 0.3 s later) is a relationship message: it waits.
    const question = await eventually(async () => {
      const tl = await store.timeline("ada@example.com");
      return tl?.messages.find((m) => m.template === "get-to-know-you" && m.notBefore !== null);
    }, "the question to be postponed");
    const expected = Date.UTC(
      opening.getUTCFullYear(),
      opening.getUTCMonth(),
      opening.getUTCDate(),
      opening.getUTCHours(),
    );
    expect(question.notBefore).toBe(expected);
    expect(question.status).toBe("queued");
    expect(question.error).toMatch(/^postponed to /);
    await new Promise((ok) => setTimeout(ok, 500));
    expect(sink.received).toHaveLength(1);
  });

  it("holds a second relationship message back until the cap's period has passed", async () => {
    const cap = { max: 1, per: "7 days" };
    // A day lasts 1 s: the 10-day reply window (10 s) leaves a loaded machine room to take the answer.
    const { sink, rapport: r, store } = await boot(["get-to-know-you"], { cap }, 1000);
    await postEvent(r.httpPort as number, registration({ id: "sp-2" }));
    const [question] = await sink.waitFor(1);
    const replyTo = question?.parsed.replyTo?.value[0]?.address as string;
    await sendToListener(r.inboundSmtpPort as number, {
      from: "ada@example.com",
      to: replyTo,
      raw: replyMime({
        from: "Ada <ada@example.com>",
        to: replyTo,
        subject: "Re: question",
        messageId: "<sp-answer@mail.example.com>",
        text: "Blue Train.",
      }),
    });
    const thanks = await eventually(async () => {
      const tl = await store.timeline("ada@example.com");
      return tl?.messages.find((m) => m.template === "thanks-for-answer" && m.notBefore !== null);
    }, "the thank-you for the answer to be held back");
    const questionRow = (await store.timeline("ada@example.com"))?.messages.find(
      (m) => m.template === "get-to-know-you",
    );
    expect(thanks.notBefore).toBe((questionRow?.sentAt as number) + 7 * DAY);
    expect(thanks.status).toBe("queued");
    await new Promise((ok) => setTimeout(ok, 500));
    expect(sink.received).toHaveLength(1);
  });
});
