/**
 * Exhausted means failed, visibly — on real parts (Redis, smtp-server, SQLite): a
 * delivery whose attempts run out is retried by the sweeper until its give-up time (the
 * old job id still in the failed set no longer strands it), then failed with the
 * reason; `rapport retry` brings it back; inbound mail that cannot be understood ends
 * failed, on its customer's timeline, logged at error level, and is not swept again.
 */
import { pino } from "pino";
import { afterEach, describe, expect, inject, it } from "vitest";
import { retryCommand } from "../../src/cli/retry.js";
import type { Logger } from "../../src/infra/logger.js";
import { connectRedis } from "../../src/infra/redis.js";
import { createQueues, jobIds } from "../../src/jobs/queues.js";
import { startRapport } from "../../src/main.js";
import type { MessageRow, Store } from "../../src/store/store.js";
import { runCli } from "../support/run-cli.js";
import { startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

type LogLine = { level: number; msg: string } & Record<string, unknown>;
const ERROR = 50;

function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: "info" }, { write: (s: string) => lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

describe("exhausted work", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });

  async function boot(overrides: Record<string, string> = {}) {
    const sink = await startSmtpSink();
    cleanup.push(() => sink.close());
    const t = testEnv(
      inject("redisUrl"),
      {
        SMTP_URL: sink.url,
        RAPPORT_RETRY_BASE_MS: "20",
        RAPPORT_DELIVERY_ATTEMPTS: "2",
        RAPPORT_SWEEP_INTERVAL_MS: "200",
        ...overrides,
      },
      { flows: ["thank-you"] },
    );
    const { logger, lines } = capturingLogger();
    const rapport = await startRapport({ settings: t.settings, role: "all", logger });
    cleanup.push(() => rapport.close());
    const store = await openTestStore(t.settings);
    cleanup.push(() => store.close());
    const redis = connectRedis(inject("redisUrl"));
    cleanup.push(() => redis.quit());
    const queues = createQueues(redis, t.settings.RAPPORT_QUEUE_PREFIX);
    cleanup.push(() => queues.close());
    return { sink, t, rapport, store, queues, lines };
  }

  async function onlyMessage(store: Store, email: string): Promise<MessageRow | undefined> {
    return (await store.timeline(email))?.messages[0];
  }

  it("SMTP away past the attempts: the sweeper retries, and delivers once when it is back", async () => {
    const { sink, rapport, store, queues } = await boot();
    sink.failWith(451);
    expect((await postEvent(rapport.httpPort as number, registration({ id: "away-1" }))).status).toBe(202);
    // The delivery job used up its attempts: its id sits in the failed set (kept 7 days),
    // which used to make every later add of that id a no-op.
    const message = await eventually(async () => {
      const m = await onlyMessage(store, "ada@example.com");
      return m && (await queues.deliveries.getJobState(jobIds.delivery(m.id))) === "failed" ? m : null;
    }, "the delivery job failed for good");
    const deferred = await eventually(async () => {
      const m = await onlyMessage(store, "ada@example.com");
      return m?.status === "queued" && m.notBefore !== null ? m : null;
    }, "the message waiting for the sweeper's retry");
    expect(deferred.error).toMatch(/retrying from .*451/);

    sink.failWith(null);
    await sink.waitFor(1);
    await eventually(async () => (await onlyMessage(store, "ada@example.com"))?.status === "sent", "sent");
    await new Promise((r) => setTimeout(r, 600)); // nothing more arrives
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]?.parsed.headers.get("x-rapport-message")).toBe(message.id);
  });

  it("SMTP refusing past the give-up time: failed with the reason, logged once; retry brings it back", async () => {
    const { sink, t, rapport, store, queues, lines } = await boot({ RAPPORT_SEND_GIVE_UP_MS: "1500" });
    sink.failWith(451);
    expect((await postEvent(rapport.httpPort as number, registration({ id: "refused-1" }))).status).toBe(202);
    const failed = await eventually(async () => {
      const m = await onlyMessage(store, "ada@example.com");
      return m?.status === "failed" ? m : null;
    }, "the message failed");
    expect(failed.error).toMatch(/gave up after .*451/);
    const errors = () => lines.filter((l) => l.level >= ERROR && l.messageId === failed.id);
    await eventually(async () => errors().length > 0, "the failure logged at error level");
    expect(errors()[0]?.reason).toMatch(/gave up/);

    // Failed is final: no sweep brings it back, and nothing more is logged about it.
    sink.failWith(null);
    await new Promise((r) => setTimeout(r, 800));
    expect(sink.received).toHaveLength(0);
    expect((await onlyMessage(store, "ada@example.com"))?.status).toBe("failed");
    expect(errors()).toHaveLength(1);
    // No job of it is waiting to run. Its last one may be kept in the failed set (when the
    // job's own attempts ended it) or gone (when the sweeper's give-up ended it): either
    // way `rapport retry` below must bring it back.
    expect(["failed", "completed", "unknown"]).toContain(
      await queues.deliveries.getJobState(jobIds.delivery(failed.id)),
    );

    // Brought back after its give-up time, it gets a full new one: a refusal right after the
    // retry is retried, not failed at once.
    sink.failWith(451);
    const refusedBefore = sink.rcptAttempts();
    const [outcome] = await retryCommand({ ids: [], failed: true, kind: "messages", limit: 100 }, t.settings);
    expect(outcome).toMatchObject({ kind: "messages", reset: [failed.id], queued: 1 });
    await eventually(async () => sink.rcptAttempts() > refusedBefore, "an attempt after the retry");
    const afterRetry = await onlyMessage(store, "ada@example.com");
    expect(afterRetry?.status).not.toBe("failed");
    expect(afterRetry?.retriedAt).not.toBeNull();
    sink.failWith(null);
    await sink.waitFor(1);
    await eventually(async () => (await onlyMessage(store, "ada@example.com"))?.status === "sent", "sent");
    await new Promise((r) => setTimeout(r, 400));
    expect(sink.received).toHaveLength(1);
    // A message already sent is not brought back.
    const [again] = await retryCommand(
      { ids: [failed.id], failed: false, kind: "messages", limit: 100 },
      t.settings,
    );
    expect(again?.reset).toEqual([]);
  });

  it("`rapport retry MESSAGE_ID`, the command, brings one failed message back by its id", async () => {
    const { sink, t, rapport, store } = await boot({ RAPPORT_SEND_GIVE_UP_MS: "1500" });
    sink.failWith(451);
    expect((await postEvent(rapport.httpPort as number, registration({ id: "by-id-1" }))).status).toBe(202);
    const failed = await eventually(async () => {
      const m = await onlyMessage(store, "ada@example.com");
      return m?.status === "failed" ? m : null;
    }, "the message failed");

    sink.failWith(null);
    const run = await runCli(["retry", failed.id], t.env);
    expect(run.code).toBe(0);
    expect(run.output).toContain("messages: 1 brought back (queued now)");
    expect(run.output).toContain(failed.id);
    await sink.waitFor(1);
    await eventually(async () => (await onlyMessage(store, "ada@example.com"))?.status === "sent", "sent");

    // Sent now: a second retry of it brings nothing back, and says so with exit code 1.
    const again = await runCli(["retry", failed.id], t.env);
    expect(again.code).toBe(1);
    expect(again.output).toContain(
      `not brought back (no such id, or not failed: sent, being sent): ${failed.id}`,
    );
    expect(sink.received).toHaveLength(1);
  });

  it("inbound mail that cannot be understood ends failed, on its customer's timeline, and is not swept again", async () => {
    // Mail stored under a larger limit than the one in force now cannot be read: understanding throws.
    const { sink, rapport, store, queues, lines } = await boot({ INBOUND_MAX_BYTES: "2048" });
    expect((await postEvent(rapport.httpPort as number, registration({ id: "in-1" }))).status).toBe(202);
    const [thanks] = await sink.waitFor(1);
    const replyTo = thanks?.parsed.replyTo?.value[0]?.address as string;
    const raw = Buffer.from(
      `From: ada@example.com\r\nTo: ${replyTo}\r\nSubject: Re: thanks\r\n\r\n${"a long reply. ".repeat(400)}\r\n`,
    );
    const row = await store.recordInbound(
      { source: "smtp", envelopeFrom: "ada@example.com", envelopeTo: [replyTo], raw },
      Date.now(),
    );
    await queues.addInbound(row.id);
    const failed = await eventually(async () => {
      const r = await store.getInbound(row.id);
      return r?.status === "failed" ? r : null;
    }, "the inbound mail failed");
    expect(failed.error).toMatch(/2048/);
    const timeline = await store.timeline("ada@example.com");
    expect(timeline?.failedInbound).toEqual([
      { id: row.id, receivedAt: row.receivedAt, envelopeFrom: "ada@example.com", error: failed.error },
    ]);
    const errors = () => lines.filter((l) => l.level >= ERROR && l.inboundId === row.id);
    await eventually(async () => errors().length > 0, "logged at error level");
    expect(errors()[0]?.customerId).toBe(timeline?.customer.id);

    // Not swept again: the row stays failed and its job is not replaced.
    await new Promise((r) => setTimeout(r, 800));
    expect((await store.getInbound(row.id))?.status).toBe("failed");
    expect(await queues.inbound.getJobState(jobIds.inbound(row.id))).toBe("failed");
    expect(errors()).toHaveLength(1);
  });
});
