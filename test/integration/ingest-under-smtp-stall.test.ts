/**
 * An SMTP server that stops answering must not stop ingest: events jobs hand first sends
 * to the send pool and return, so every event is processed while SMTP hangs, and every
 * thank-you goes out once the server answers again (none twice).
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const EVENTS = 20;

describe("ingest while SMTP stalls", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    rapport = null;
    sink = null;
  });

  it("processes every event while the SMTP server hangs, then sends each thank-you once", async () => {
    sink = await startSmtpSink();
    sink.stallMailFrom(true);
    // One events slot and a socket timeout of 3 s: were first sends made in the events
    // slot, 20 events would need at least 60 s (the wait below gives up after 20 s).
    const t = testEnv(
      inject("redisUrl"),
      {
        SMTP_URL: sink.url,
        SMTP_POOL_SIZE: "2",
        SMTP_CONNECTION_TIMEOUT_MS: "3000",
        SMTP_GREETING_TIMEOUT_MS: "3000",
        SMTP_SOCKET_TIMEOUT_MS: "3000",
        SMTP_SEND_DEADLINE_MS: "5000",
        RAPPORT_CONCURRENCY: "2",
        RAPPORT_RETRY_BASE_MS: "300",
      },
      { flows: ["thank-you"] },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    const port = rapport.httpPort as number;
    const started = Date.now();
    for (let i = 0; i < EVENTS; i++) {
      const res = await postEvent(port, registration({ id: `reg-${i}`, email: `owner${i}@example.com` }));
      expect(res.status).toBe(202);
    }
    const store = await openTestStore(t.settings);
    try {
      await eventually(async () => {
        for (let i = 0; i < EVENTS; i++)
          if ((await store.getEvent(`reg-${i}`))?.status !== "processed") return false;
        return true;
      }, `all ${EVENTS} events to be processed while SMTP stalls`);
      const ingestMs = Date.now() - started;
      // Still stalled: nothing has gone out, so no event waited for a send to finish.
      expect(sink.received).toHaveLength(0);
      console.log(`ingest under SMTP stall: ${EVENTS} events processed in ${ingestMs} ms, 0 messages sent`);

      sink.stallMailFrom(false);
      const received = await sink.waitFor(EVENTS, 60_000);
      await eventually(async () => {
        const rows = await Promise.all(
          [...Array(EVENTS).keys()].map((i) => store.timeline(`owner${i}@example.com`)),
        );
        return rows.every((tl) => tl?.messages.every((m) => m.status === "sent"));
      }, "every thank-you to be recorded as sent");
      await new Promise((r) => setTimeout(r, 500)); // nothing more arrives
      expect(new Set(received.map((m) => m.envelopeTo[0])).size).toBe(EVENTS);
      // A second copy only where the ledger says a send was cut off mid-conversation
      // (it may have reached the server), and counted as a possible duplicate.
      const copies = new Map<string, number>();
      for (const m of received)
        copies.set(String(m.parsed.messageId), (copies.get(String(m.parsed.messageId)) ?? 0) + 1);
      for (const [messageId, n] of copies) {
        if (n === 1) continue;
        const to = received.find((m) => m.parsed.messageId === messageId)?.envelopeTo[0] as string;
        const row = (await store.timeline(to))?.messages.find((m) => m.messageIdHeader === messageId);
        expect(row?.uncertainAttempts, `${messageId} went out ${n} times`).toBeGreaterThanOrEqual(n - 1);
      }
      expect(received.length - EVENTS).toBeLessThanOrEqual(await store.countPossibleDuplicates());
    } finally {
      await store.close();
    }
  }, 90_000);
});
