/**
 * The brand's send policy on real parts: a relationship message due outside the send
 * window, or over the frequency cap, is postponed (kept queued with its time), never
 * dropped; transactional messages go at once. At RAPPORT_WAIT_SCALE 1 (the scale changes
 * the policy: see the last test), with flows of the test's own that send without waiting.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { loadSettings } from "../../src/config/settings.js";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { replyMime, sendToListener } from "../support/mail-in.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const DAY = 24 * 3600_000;
const pad = (n: number) => String(n).padStart(2, "0");

/** A transactional thank-you, then at once a relationship message. */
const THANKS_THEN_QUESTION = `
name: Thanks, then a question
trigger: { event: registration }
entry: once_per_product
topic: check_ins
steps:
  - send: thank-you
    transactional: true
  - send: get-to-know-you
`;

/** The question at once, and a relationship thank-you for its answer. */
const QUESTION_THEN_THANKS = `
name: A question, then thanks
trigger: { event: registration }
entry: once_per_product
topic: check_ins
steps:
  - send: get-to-know-you
  - wait_for_reply: 10 days
    on_reply:
      - send: thanks-for-answer
`;

/** A transactional thank-you, then at once two relationship messages. */
const THANKS_THEN_TWO = `${THANKS_THEN_QUESTION}  - send: check-in
`;

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

  async function boot(flow: string, sending: unknown, waitScale = 1) {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_WAIT_SCALE: String(waitScale), RAPPORT_RETRY_BASE_MS: "300" },
      { flows: [], sending },
    );
    writeFileSync(join(t.env.RAPPORT_CONFIG_DIR as string, "flows", "policy-test.yaml"), flow);
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    return { sink, rapport, store, env: t.env };
  }

  it("postpones a relationship message to the window's next opening, and sends the transactional one at once", async () => {
    // A one-hour window starting two hours from now (UTC, the customer's zone), every day.
    const opening = new Date(Date.now() + 2 * 3600_000);
    const start = `${pad(opening.getUTCHours())}:00`;
    const end = `${pad((opening.getUTCHours() + 1) % 24)}:00`;
    const window = { start, end, days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] };
    const { sink, rapport: r, store } = await boot(THANKS_THEN_QUESTION, { window });
    await postEvent(r.httpPort as number, {
      ...registration({ id: "sp-1" }),
      customer: { email: "ada@example.com", name: "Ada Lovelace", timezone: "UTC" },
    });
    // The thank-you is transactional: it does not wait for the window.
    const [thanks] = await sink.waitFor(1);
    expect(thanks?.parsed.subject).toMatch(/^Thank you for registering/);
    // The question right after it is a relationship message: it waits.
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
    const { sink, rapport: r, store } = await boot(QUESTION_THEN_THANKS, { cap });
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

  it("in demo mode (RAPPORT_WAIT_SCALE) drops the window and scales the cap's period like the waits", async () => {
    // A window that opens in two hours, and at most one message a week.
    const opening = new Date(Date.now() + 2 * 3600_000);
    const window = {
      start: `${pad(opening.getUTCHours())}:00`,
      end: `${pad((opening.getUTCHours() + 1) % 24)}:00`,
      days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    };
    // A day lasts 200 ms, so the week lasts 1.4 s.
    const scale = 200 / DAY;
    const {
      sink,
      rapport: r,
      store,
    } = await boot(THANKS_THEN_TWO, { window, cap: { max: 1, per: "7 days" } }, scale);
    await postEvent(r.httpPort as number, {
      ...registration({ id: "sp-3" }),
      customer: { email: "ada@example.com", name: "Ada Lovelace", timezone: "UTC" },
    });
    // The question does not wait two hours for the window; the check-in waits out the scaled week.
    // The thank-you and the question are sent at once: the sink may get either first.
    const mails = await sink.waitFor(3);
    const subjects = mails.map((m) => m.parsed.subject ?? "");
    expect(subjects.filter((s) => /^Thank you for registering/.test(s))).toHaveLength(1);
    expect(subjects.every((s) => s.length > 0)).toBe(true);
    // The sink has them a moment before the ledger does.
    const tl = await eventually(async () => {
      const x = await store.timeline("ada@example.com");
      return x?.messages.every((m) => m.status === "sent") ? x : null;
    }, "all three recorded as sent");
    // Both relationship messages are due at once; whichever is claimed first goes, and the
    // other waits out the scaled week from when the first was sent.
    const relationship = (tl?.messages ?? []).filter((m) => m.template !== "thank-you");
    const first = relationship.find((m) => m.notBefore === null);
    const second = relationship.find((m) => m.notBefore !== null);
    expect(relationship.map((m) => m.status)).toEqual(["sent", "sent"]);
    expect(second?.notBefore).toBe((first?.sentAt as number) + Math.round(7 * DAY * scale));
  });

  it("rescales what already waits when started again in demo mode", async () => {
    // First at scale 1: the thank-you goes, the check-in waits 14 days, and a message
    // postponed by a window two hours away waits too.
    const opening = new Date(Date.now() + 2 * 3600_000);
    const window = {
      start: `${pad(opening.getUTCHours())}:00`,
      end: `${pad((opening.getUTCHours() + 1) % 24)}:00`,
      days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    };
    const flow = `${THANKS_THEN_QUESTION}  - wait: 14 days
  - send: check-in
`;
    const { sink, rapport: first, store, env } = await boot(flow, { window });
    await postEvent(first.httpPort as number, {
      ...registration({ id: "sp-4" }),
      customer: { email: "ada@example.com", name: "Ada Lovelace", timezone: "UTC" },
    });
    await sink.waitFor(1);
    const run = await eventually(async () => {
      const tl = await store.timeline("ada@example.com");
      const postponed = tl?.messages.some((m) => m.template === "get-to-know-you" && m.notBefore !== null);
      const waiting = tl?.runs.find((x) => x.status === "waiting");
      return postponed && waiting ? waiting : null;
    }, "the question postponed and the run waiting 14 days");
    expect(run.wakeAt).toBeGreaterThan(Date.now() + 13 * DAY);
    await first.close();
    rapport = null;

    // Again in demo mode, on the same store and queues: 14 days take 1.4 s.
    const settings = loadSettings({ ...env, RAPPORT_WAIT_SCALE: String(100 / DAY) });
    rapport = await startRapport({ settings, role: "all", logger: silentLogger });
    const mails = await sink.waitFor(3);
    expect(new Set(mails.map((m) => m.parsed.headers.get("x-rapport-message")))).toHaveProperty("size", 3);
    const tl = await eventually(async () => {
      const x = await store.timeline("ada@example.com");
      return x?.messages.every((m) => m.status === "sent") ? x : null;
    }, "all three recorded as sent");
    expect(tl?.messages.map((m) => [m.template, m.status]).sort()).toEqual([
      ["check-in", "sent"],
      ["get-to-know-you", "sent"],
      ["thank-you", "sent"],
    ]);
  });
});
