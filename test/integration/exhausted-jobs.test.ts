/**
 * Jobs that fail on every attempt end with their rows failed, on real Redis and SQLite:
 * the workers run against the real store with one of its writes failing every time
 * (a fault no retry fixes), and the last attempt marks the event, the inbound message
 * (on the timeline of the customer its address names) or the run failed with the
 * reason, logged once at error level; the sweeper then leaves them alone.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, inject, it } from "vitest";
import { createConsentLinks } from "../../src/consent/links.js";
import { createConsentTokens } from "../../src/consent/tokens.js";
import { connectRedis } from "../../src/infra/redis.js";
import type { JobDeps } from "../../src/jobs/deps.js";
import { createQueues, jobIds } from "../../src/jobs/queues.js";
import { sweepOnce } from "../../src/jobs/sweeper.js";
import { startWorkers } from "../../src/jobs/workers.js";
import { createReplyAddresses } from "../../src/mail/tokens.js";
import { createOutboxMailer } from "../../src/mail/transport.js";
import { loadProject } from "../../src/project.js";
import type { Store } from "../../src/store/store.js";
import { eventually, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

type LogLine = { level: number; msg: string } & Record<string, unknown>;
const ERROR = 50;

describe("jobs whose attempts run out", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });

  /** Workers on the real store, with `broken` methods throwing on every call. */
  async function boot(broken: ReadonlyArray<keyof Store>) {
    const t = testEnv(inject("redisUrl"), {}, { flows: ["thank-you"] });
    const loaded = await loadProject(t.settings.RAPPORT_CONFIG_DIR);
    if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
    const real = await openTestStore(t.settings);
    cleanup.push(() => real.close());
    const store = new Proxy(real, {
      get(target, key, receiver) {
        if (broken.includes(key as keyof Store))
          return async () => {
            throw new Error(`disk I/O error in ${String(key)}`);
          };
        // An events job writes a new run's first step in its ingest transaction; with
        // applyAdvance broken, that step must go through applyAdvance like any other.
        if (key === "ingestAndStartRuns" && broken.includes("applyAdvance"))
          return (...args: Parameters<Store["ingestAndStartRuns"]>) =>
            target.ingestAndStartRuns(args[0], args[1], args[2]);
        return Reflect.get(target, key, receiver);
      },
    });
    const redis = connectRedis(inject("redisUrl"));
    cleanup.push(() => redis.quit());
    const prefix = `xj${randomBytes(5).toString("hex")}`;
    const queues = createQueues(redis, prefix, 10);
    cleanup.push(() => queues.close());
    const lines: LogLine[] = [];
    const logger = pino({ level: "info" }, { write: (s: string) => lines.push(JSON.parse(s) as LogLine) });
    const addresses = createReplyAddresses({
      secret: randomBytes(32).toString("hex"),
      domain: loaded.project.brand.replyDomain,
    });
    const deps: JobDeps = {
      store,
      queues,
      flows: loaded.project.flows,
      templates: loaded.project.templates,
      mailer: createOutboxMailer(join(t.dir, "outbox")),
      brand: loaded.project.brand,
      addresses,
      consentLinks: createConsentLinks(createConsentTokens("c".repeat(40)), () => "http://127.0.0.1:3000"),
      clock: { now: () => Date.now() },
      logger,
      newId: () => randomBytes(8).toString("hex"),
      waitScale: 1,
      sendLeaseMs: 60_000,
      sendGiveUpMs: 3600_000,
      inboundMaxBytes: 1024 * 1024,
    };
    const workers = startWorkers(deps, {
      prefix,
      concurrency: 2,
      connect: () => connectRedis(inject("redisUrl")),
      retryBaseMs: 10,
    });
    cleanup.push(() => workers.close());
    const errors = (field: string, id: string) => lines.filter((l) => l.level >= ERROR && l[field] === id);
    return { real, queues, deps, addresses, errors };
  }

  it("an event: failed with the reason, logged once, not swept again", async () => {
    const { real, queues, deps, errors } = await boot(["ingestAndStartRuns"]);
    const { eventId } = await real.recordEvent(
      { id: "ev-x", type: "registration", customer: { email: "ada@example.com" } },
      Date.now(),
    );
    await queues.addEvent(eventId);
    const failed = await eventually(async () => {
      const e = await real.getEvent(eventId);
      return e?.status === "failed" ? e : null;
    }, "the event failed");
    expect(failed.error).toMatch(/disk I\/O error in ingestAndStartRuns \(after 8 attempts\)/);
    await eventually(async () => errors("eventId", eventId).length === 1, "logged at error level");
    expect((await sweepOnce(deps, 0)).events).toBe(0);
    expect(await queues.events.getJobState(jobIds.event(eventId))).toBe("failed");
  });

  it("inbound mail: failed with the reason, on the timeline of the customer its address names", async () => {
    const { real, queues, deps, addresses, errors } = await boot(["recordInteraction"]);
    // A customer with an ownership, so their owner-only address names them.
    await real.recordEvent(
      {
        id: "reg-1",
        type: "registration",
        customer: { email: "ada@example.com" },
        product: { sku: "LYRA-RD-2780" },
      },
      Date.now(),
    );
    const event = await real.getEvent("reg-1");
    if (!event) throw new Error("no event");
    const { ownership, customer } = await real.ingestEvent(event, Date.now());
    if (!ownership) throw new Error("no ownership");
    const to = addresses.forOwnership(ownership.id);
    const row = await real.recordInbound(
      {
        source: "smtp",
        envelopeFrom: "someone@example.net",
        envelopeTo: [to],
        raw: Buffer.from(`From: someone@example.net\r\nTo: ${to}\r\nSubject: hi\r\n\r\nhello\r\n`),
      },
      Date.now(),
    );
    await queues.addInbound(row.id);
    const failed = await eventually(async () => {
      const r = await real.getInbound(row.id);
      return r?.status === "failed" ? r : null;
    }, "the inbound mail failed");
    expect(failed.error).toMatch(/disk I\/O error in recordInteraction \(after 8 attempts\)/);
    expect((await real.timeline("ada@example.com"))?.failedInbound?.map((f) => f.id)).toEqual([row.id]);
    await eventually(async () => errors("inboundId", row.id).length === 1, "logged at error level");
    expect(errors("inboundId", row.id)[0]?.customerId).toBe(customer.id);
    expect((await sweepOnce(deps, 0)).inbound).toBe(0);
  });

  it("a run whose step fails every time: failed with the reason, not swept again", async () => {
    const { real, queues, deps, errors } = await boot(["applyAdvance"]);
    const { eventId } = await real.recordEvent(
      {
        id: "reg-2",
        type: "registration",
        customer: { email: "bob@example.com" },
        product: { sku: "LYRA-RD-2780" },
      },
      Date.now(),
    );
    await queues.addEvent(eventId);
    const run = await eventually(async () => {
      const r = (await real.timeline("bob@example.com"))?.runs[0];
      return r?.status === "failed" ? r : null;
    }, "the run failed");
    expect(run.error).toMatch(/disk I\/O error in applyAdvance \(after 8 attempts\)/);
    await eventually(async () => errors("runId", run.id).length === 1, "logged at error level");
    expect((await real.getEvent(eventId))?.status).toBe("processed");
    expect((await sweepOnce(deps, 0)).runs).toBe(0);
  });
});
