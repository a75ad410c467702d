/**
 * The deliveries job on real parts, called directly: a real SQLite store in a temp dir,
 * real queues on the test Redis (own prefix), the project's real config, a real SMTP
 * mailer pointed at a test sink. Tests seed messages and call processDelivery with the
 * deps this returns (and may wrap the store or move the clock).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, inject } from "vitest";
import { createConsentLinks } from "../../src/consent/links.js";
import { createConsentTokens } from "../../src/consent/tokens.js";
import { silentLogger } from "../../src/infra/logger.js";
import { connectRedis } from "../../src/infra/redis.js";
import type { JobDeps } from "../../src/jobs/deps.js";
import { createQueues } from "../../src/jobs/queues.js";
import { createReplyAddresses } from "../../src/mail/tokens.js";
import { createSmtpMailer, type Mailer, SMTP_DEFAULTS } from "../../src/mail/transport.js";
import { loadProject } from "../../src/project.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { type SmtpSink, startSmtpSink } from "./smtp-sink.js";

export interface DeliveryHarness {
  deps: JobDeps;
  store: Store;
  mailer: Mailer;
  /** Writes a thank-you message for `email` to the outbox (status queued); returns its id. */
  seedMessage(email: string): Promise<string>;
  close(): Promise<void>;
}

const EMPTY_STATE = {
  cursor: [0],
  status: "active" as const,
  wakeAt: null,
  waitingFor: null,
  waitingSince: null,
  replies: [],
};

export async function deliveryHarness(
  redisUrl: string,
  smtpUrl: string,
  opts: { socketMs?: number; sendDeadlineMs?: number } = {},
): Promise<DeliveryHarness> {
  const loaded = await loadProject(resolve("config"));
  if (!loaded.ok) throw new Error(`config/ does not load: ${loaded.problems.join("; ")}`);
  const { project } = loaded;
  const dir = mkdtempSync(join(tmpdir(), "rapport-delivery-"));
  const store = openSqliteStore(join(dir, "rapport.db"));
  const connection = connectRedis(redisUrl);
  const queues = createQueues(connection, `t${randomBytes(6).toString("hex")}`, 100);
  // The mailer's own cap stays at the default; `sendDeadlineMs` is what the job asks for
  // (a test may lift it by passing other deps).
  const sendDeadlineMs = opts.sendDeadlineMs ?? SMTP_DEFAULTS.sendDeadlineMs;
  const mailer = createSmtpMailer(smtpUrl, {
    poolSize: 2,
    timeouts: { ...SMTP_DEFAULTS.timeouts, socketMs: opts.socketMs ?? SMTP_DEFAULTS.timeouts.socketMs },
    sendDeadlineMs: SMTP_DEFAULTS.sendDeadlineMs,
  });
  const deps: JobDeps = {
    store,
    queues,
    flows: project.flows,
    templates: project.templates,
    mailer,
    brand: { ...project.brand, sendPolicy: {} },
    addresses: createReplyAddresses({ secret: "s".repeat(40), domain: project.brand.replyDomain }),
    consentLinks: createConsentLinks(createConsentTokens("s".repeat(40)), () => "http://127.0.0.1:3000"),
    clock: { now: () => Date.now() },
    logger: silentLogger,
    newId: randomUUID,
    waitScale: 1,
    sendLeaseMs: 5 * 60_000,
    sendDeadlineMs,
    sendGiveUpMs: 72 * 3600_000,
    inboundMaxBytes: 10 * 1024 * 1024,
    ledgerRetry: { baseMs: 5, maxMs: 20 },
  };
  let seq = 0;
  return {
    deps,
    store,
    mailer,
    async seedMessage(email) {
      const n = seq++;
      const now = Date.now();
      const recorded = await store.recordEvent(
        {
          id: `reg-${n}-${email}`,
          type: "registration",
          customer: { email, name: "Ada Lovelace" },
          product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: `RD-${n}`, category: "turntable" },
        },
        now,
      );
      const ingested = await store.ingestEvent(recorded.event, now);
      const [run] = await store.startRuns(
        recorded.eventId,
        ingested.customer.id,
        [
          {
            flowId: "thank-you",
            flowVersion: "test",
            entryKey: `k-${n}`,
            ownershipId: ingested.ownership?.id ?? null,
            state: EMPTY_STATE,
          },
        ],
        now,
      );
      if (!run) throw new Error("the run did not start");
      const id = randomUUID();
      await store.applyAdvance({
        runId: run.id,
        expectedSeq: run.seq,
        state: { ...EMPTY_STATE, cursor: [1], status: "completed" },
        steps: [],
        messages: [{ id, stepId: "thanks", template: "thank-you", messageIdHeader: `<${id}@reply.test>` }],
        now,
      });
      return id;
    },
    async close() {
      await mailer.close();
      await queues.close();
      await connection.quit().catch(() => connection.disconnect());
      await store.close();
    },
  };
}

/**
 * For a describe block whose tests each need an SMTP sink and a harness on the test Redis:
 * returns `boot`, and closes what it opened after each test.
 */
export function harnessPerTest(): (
  opts?: Parameters<typeof deliveryHarness>[2],
) => Promise<{ sink: SmtpSink; h: DeliveryHarness }> {
  let sink: SmtpSink | null = null;
  let h: DeliveryHarness | null = null;
  afterEach(async () => {
    await h?.close();
    await sink?.close();
    h = null;
    sink = null;
  });
  return async (opts = {}) => {
    sink = await startSmtpSink();
    h = await deliveryHarness(inject("redisUrl"), sink.url, opts);
    return { sink, h };
  };
}
