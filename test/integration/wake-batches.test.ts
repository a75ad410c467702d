/**
 * Wake-up batches (src/jobs/wake-batches.ts, process-wake-batch.ts) on real parts:
 *  - through the whole of rapport (HTTP, Redis, the store; its clock held still by the
 *    test): 300 runs of the shipped get-to-know-you flow, all due at the same instant
 *    beyond the horizon, are handed to BullMQ as two batch jobs (250 + 50) and every one
 *    of them wakes and asks its question once;
 *  - a run of a batch that cannot advance is handed a step job of its own and does not
 *    hold up the rest; the batch retried whole changes nothing for the runs it advanced.
 */
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, inject, it } from "vitest";
import { initialRun } from "../../src/flows/interpreter.js";
import { silentLogger } from "../../src/infra/logger.js";
import { connectRedis } from "../../src/infra/redis.js";
import { advanceRun } from "../../src/jobs/process-step.js";
import { processWakeBatch } from "../../src/jobs/process-wake-batch.js";
import { createQueues, jobIds, type Queues, WAKE_BATCH_JOB } from "../../src/jobs/queues.js";
import { type Rapport, startRapport } from "../../src/main.js";
import { adhoc } from "../../src/store/sql/query.js";
import type { RunRow, Store } from "../../src/store/store.js";
import { completedJobs } from "../support/completed-jobs.js";
import { deliveryHarness } from "../support/delivery-harness.js";
import { startSmtpSink } from "../support/smtp-sink.js";
import { openTestDatabase } from "../support/test-database.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const RUNS = 300;

describe("wake-up batches", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });

  it("wake many runs due together with a few jobs, each run once", async () => {
    const t = testEnv(
      inject("redisUrl"),
      {
        RAPPORT_WAKE_HORIZON_MS: String(HOUR),
        RAPPORT_WAKE_PROMOTE_EVERY_MS: "200",
        // Only the promoter's batches may wake the runs here, not the sweeper.
        RAPPORT_SWEEP_INTERVAL_MS: String(HOUR),
      },
      { flows: ["get-to-know-you"] },
    );
    // Held still: every registration, hence every 3-day wait, ends at the same instant.
    let now = Date.UTC(2030, 5, 10, 12);
    const rapport: Rapport = await startRapport({
      settings: t.settings,
      role: "all",
      logger: silentLogger,
      clock: { now: () => now },
    });
    cleanup.push(() => rapport.close());
    const db = await openTestDatabase(t.settings);
    cleanup.push(() => db.close());
    const count = async (where: ReturnType<typeof sql>) =>
      Number(
        (
          await db.read((h) =>
            h.get(adhoc<{ n: number }>(sql`select count(*) as n from flow_runs where ${where}`)),
          )
        )?.n,
      );

    for (let i = 0; i < RUNS; i++) {
      const res = await postEvent(
        rapport.httpPort as number,
        registration({ id: `wb-${i}`, email: `owner${i}@example.com` }),
      );
      expect(res.status).toBe(202);
    }
    const wakeAt = now + 3 * DAY;
    await eventually(
      async () => (await count(sql`status = 'waiting' and wake_at = ${wakeAt}`)) === RUNS,
      `${RUNS} runs waiting 3 days`,
    );
    const redis = connectRedis(inject("redisUrl"));
    cleanup.push(() => redis.quit());
    const queues: Queues = createQueues(redis, t.settings.RAPPORT_QUEUE_PREFIX);
    cleanup.push(() => queues.close());
    expect(await queues.steps.getDelayedCount()).toBe(0); // beyond the horizon: nothing in Redis

    now = wakeAt + 1000;
    await eventually(
      async () => (await count(sql`status = 'waiting' and wake_at = ${now + 10 * DAY}`)) === RUNS,
      "every run to wake, ask its question and wait 10 days for a reply",
    );
    const perRun = await db.read((h) =>
      h.all(
        adhoc<{ n: number }>(
          sql`select count(*) as n from messages where template = 'get-to-know-you' group by run_id`,
        ),
      ),
    );
    expect(perRun).toHaveLength(RUNS);
    expect(perRun.every((r) => Number(r.n) === 1)).toBe(true);

    // Two batch jobs, each run in one of them advanced (completed batches are not kept: the
    // queue's event stream has what they returned).
    const batches = (await completedJobs(redis, queues.steps)).filter((j) => j.jobId.startsWith("wakes-"));
    expect(batches.map((j) => (j.returnvalue as { applied: number }).applied).sort((a, b) => a - b)).toEqual([
      50, 250,
    ]);
    expect((await queues.steps.getJobs(["completed"])).filter((j) => j.name === WAKE_BATCH_JOB)).toEqual([]);
  });

  it("hands a run that fails to a step job of its own, and a batch retried changes nothing", async () => {
    const sink = await startSmtpSink();
    cleanup.push(() => sink.close());
    const h = await deliveryHarness(inject("redisUrl"), sink.url);
    cleanup.push(() => h.close());
    const flow = h.deps.flows.get("get-to-know-you");
    if (!flow) throw new Error("config/flows has no get-to-know-you flow");
    let now = Date.UTC(2030, 5, 10, 12);
    const deps = { ...h.deps, flows: new Map([[flow.id, flow]]), clock: { now: () => now } };
    const runs: RunRow[] = [];
    for (let i = 0; i < 5; i++) {
      const { event } = await h.store.recordEvent(
        { id: `e${i}`, type: "registration", customer: { email: `o${i}@example.com` } },
        now,
      );
      const { runs: started } = await h.store.ingestAndStartRuns(event, now, () => [
        {
          flowId: flow.id,
          flowVersion: flow.version,
          entryKey: `k${i}`,
          ownershipId: null,
          state: initialRun(),
        },
      ]);
      for (const run of started) await advanceRun(run, deps); // to its 3-day wait
      runs.push(...started);
    }
    now += 3 * DAY + 1000;
    const broken = runs[2] as RunRow;
    let failures = 0;
    const flaky: Store = Object.create(h.store, {
      getRun: {
        value: async (id: string) => {
          if (id === broken.id && failures++ === 0) throw new Error("the store hiccuped");
          return h.store.getRun(id);
        },
      },
    });
    const batch = { wakes: runs.map((r) => ({ runId: r.id, seq: 1 })) };

    const first = await processWakeBatch(batch, { ...deps, store: flaky });
    expect(first).toMatchObject({ applied: 4, handedOver: 1 });
    expect(await deps.queues.steps.getJobState(jobIds.step(broken.id, 1))).toBe("waiting");
    for (const run of runs) expect((await h.store.getRun(run.id))?.seq).toBe(run === broken ? 1 : 2);

    // Retried whole (BullMQ's next attempt): the four are stale, the fifth advances now.
    const again = await processWakeBatch(batch, { ...deps, store: flaky });
    expect(again).toMatchObject({ applied: 1, stale: 4, handedOver: 0 });
    expect((await h.store.getRun(broken.id))?.seq).toBe(2);
    const mail = await sink.waitFor(5);
    expect(new Set(mail.flatMap((m) => m.envelopeTo)).size).toBe(5);
  });
});
