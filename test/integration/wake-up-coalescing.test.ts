/**
 * Next wake-ups asked for together are queued together (src/jobs/wake-up-coalescer.ts), on
 * real Redis and, end to end, through the whole of rapport:
 *  - addNextStep calls of one turn become one batch job for the runs due within a second
 *    of each other, due at the last of them, and plain step jobs for the rest; one alone in
 *    its turn is a plain step job; close() queues what is still pending before it closes;
 *  - a broadcast page's first steps are queued in batch jobs of FIRST_STEPS_PER_BATCH runs;
 *  - a step whose next wake-up cannot be queued still sends its message, then fails;
 *  - runs of a flow of short waits, started together, each take every wake-up once and
 *    complete, with batch jobs among the jobs that woke them, which are not kept once done.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, inject, it } from "vitest";
import { initialRun } from "../../src/flows/interpreter.js";
import { silentLogger } from "../../src/infra/logger.js";
import { connectRedis } from "../../src/infra/redis.js";
import { advanceRun } from "../../src/jobs/process-step.js";
import { createQueues, FIRST_STEPS_PER_BATCH, jobIds, WAKE_BATCH_JOB } from "../../src/jobs/queues.js";
import { startRapport } from "../../src/main.js";
import { adhoc } from "../../src/store/sql/query.js";
import type { RunRow } from "../../src/store/store.js";
import { completedJobs } from "../support/completed-jobs.js";
import { deliveryHarness } from "../support/delivery-harness.js";
import { startSmtpSink } from "../support/smtp-sink.js";
import { openTestDatabase } from "../support/test-database.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const HOUR = 3600_000;
const RUNS = 40;
const WAITS = 3;

describe("wake-ups queued together", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });

  it("groups one turn's wake-ups: a batch for those due together, plain jobs for the rest", async () => {
    const t = testEnv(inject("redisUrl"));
    const redis = connectRedis(inject("redisUrl"));
    cleanup.push(() => redis.quit());
    const queues = createQueues(redis, t.settings.RAPPORT_QUEUE_PREFIX);
    let closed = false;
    cleanup.push(async () => {
      if (!closed) await queues.close();
    });

    await Promise.all([
      queues.addNextStep("a", 1, HOUR),
      queues.addNextStep("b", 4, HOUR + 300),
      queues.addNextStep("c", 2, HOUR + 600),
      queues.addNextStep("d", 7, 2 * HOUR),
    ]);
    const delayed = await queues.steps.getDelayed();
    const batches = delayed.filter((j) => j.name === WAKE_BATCH_JOB);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.data).toEqual({
      wakes: [
        { runId: "a", seq: 1 },
        { runId: "b", seq: 4 },
        { runId: "c", seq: 2 },
      ],
    });
    // Due at the last of them: none is woken early.
    expect(batches[0]?.delay).toBe(HOUR + 600);
    const single = await queues.steps.getJob(jobIds.step("d", 7));
    expect(single?.data).toEqual({ runId: "d", seq: 7 });
    expect(single?.delay).toBe(2 * HOUR);
    expect(delayed).toHaveLength(2);

    await queues.addNextStep("e", 3, HOUR);
    expect((await queues.steps.getJob(jobIds.step("e", 3)))?.data).toEqual({ runId: "e", seq: 3 });

    // Closed while a wake-up waits for its turn: it is queued first.
    const last = queues.addNextStep("f", 5, HOUR);
    await queues.close();
    closed = true;
    await last;
    const other = createQueues(redis, t.settings.RAPPORT_QUEUE_PREFIX);
    cleanup.push(() => other.close());
    expect(await other.steps.getJobState(jobIds.step("f", 5))).toBe("delayed");
  });

  it("queues a broadcast page's first steps in batches of FIRST_STEPS_PER_BATCH, a lone run as a step job", async () => {
    const t = testEnv(inject("redisUrl"));
    const redis = connectRedis(inject("redisUrl"));
    cleanup.push(() => redis.quit());
    const queues = createQueues(redis, t.settings.RAPPORT_QUEUE_PREFIX);
    cleanup.push(() => queues.close());
    const page = Array.from(
      { length: 2 * FIRST_STEPS_PER_BATCH + 20 },
      (_, i) => `r${String(i).padStart(3, "0")}`,
    );

    await queues.addFirstSteps(page);
    await queues.addFirstSteps(["alone"]);
    await queues.addFirstSteps([]);
    const waiting = await queues.steps.getWaiting();
    const batches = waiting.filter((j) => j.name === WAKE_BATCH_JOB);
    const wakes = batches.map((j) => (j.data as { wakes: Array<{ runId: string; seq: number }> }).wakes);
    expect(wakes.map((w) => w.length).sort((a, b) => a - b)).toEqual([
      20,
      FIRST_STEPS_PER_BATCH,
      FIRST_STEPS_PER_BATCH,
    ]);
    expect(wakes.flat().sort((a, b) => (a.runId < b.runId ? -1 : 1))).toEqual(
      page.map((runId) => ({ runId, seq: 0 })),
    );
    expect((await queues.steps.getJob(jobIds.step("alone", 0)))?.data).toEqual({ runId: "alone", seq: 0 });
    expect(waiting).toHaveLength(4);
  });

  it("sends a step's message even when its run's next wake-up cannot be queued, and fails the step for a retry", async () => {
    const sink = await startSmtpSink();
    cleanup.push(() => sink.close());
    const h = await deliveryHarness(inject("redisUrl"), sink.url);
    cleanup.push(() => h.close());
    const flow = h.deps.flows.get("get-to-know-you");
    if (!flow) throw new Error("config/flows has no get-to-know-you flow");
    let now = Date.UTC(2030, 5, 10, 12);
    // No horizon: the question's 10-day wait for a reply is queued at once, not promoted.
    const deps = {
      ...h.deps,
      flows: new Map([[flow.id, flow]]),
      clock: { now: () => now },
      wakeHorizonMs: undefined,
    };
    const { event } = await h.store.recordEvent(
      { id: "e-away", type: "registration", customer: { email: "away@example.com" } },
      now,
    );
    const { runs } = await h.store.ingestAndStartRuns(event, now, () => [
      {
        flowId: flow.id,
        flowVersion: flow.version,
        entryKey: "k-away",
        ownershipId: null,
        state: initialRun(),
      },
    ]);
    const run = runs[0] as RunRow;
    await advanceRun(run, deps); // to its 3-day wait
    now += 3 * 24 * HOUR + 1000;
    const away = {
      ...deps,
      queues: { ...deps.queues, addNextStep: () => Promise.reject(new Error("Redis is away")) },
    };
    const woken = (await h.store.getRun(run.id)) as RunRow;
    await expect(advanceRun(woken, away)).rejects.toThrow("Redis is away");
    // The step committed (its question is in the store) and the question went out anyway.
    expect((await h.store.getRun(run.id))?.seq).toBe(woken.seq + 1);
    const [mail] = await sink.waitFor(1);
    expect(mail?.envelopeTo).toEqual(["away@example.com"]);
  });

  it("wakes runs started together at each of their waits once, partly in batch jobs", async () => {
    const t = testEnv(
      inject("redisUrl"),
      // Only the steps queue's own jobs may wake the runs here, not the sweeper.
      { RAPPORT_SWEEP_INTERVAL_MS: String(HOUR) },
      { flows: ["none"] },
    );
    const waits = Array.from({ length: WAITS }, (_, i) => `  - wait: 0.2 s\n    id: w${i + 1}\n`).join("");
    writeFileSync(
      join(t.settings.RAPPORT_CONFIG_DIR, "flows", "check-ins.yaml"),
      `name: Check-ins\ntrigger:\n  event: registration\nentry: every_time\nsteps:\n${waits}`,
    );
    const rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    cleanup.push(() => rapport.close());
    const db = await openTestDatabase(t.settings);
    cleanup.push(() => db.close());
    // The promoter's first pass, with no watermark yet, lists every run waking within the
    // horizon: done before the runs exist, it cannot add wake-ups of its own for them.
    const store = await openTestStore(t.settings);
    cleanup.push(() => store.close());
    await eventually(async () => (await store.getWakeWatermark()) !== null, "the wake promoter's first pass");

    const posted = await Promise.all(
      Array.from({ length: RUNS }, (_, i) =>
        postEvent(
          rapport.httpPort as number,
          registration({ id: `wc-${i}`, email: `owner${i}@example.com` }),
        ),
      ),
    );
    expect(posted.map((r) => r.status)).toEqual(Array(RUNS).fill(202));
    await eventually(
      async () =>
        Number(
          (
            await db.read((h) =>
              h.get(
                adhoc<{ n: number }>(sql`select count(*) as n from flow_runs where status = 'completed'`),
              ),
            )
          )?.n,
        ) === RUNS,
      `${RUNS} runs to complete`,
      30_000,
    );
    // Every run advanced once at its start and once per wait: nothing twice, nothing skipped.
    const seqs = await db.read((h) => h.all(adhoc<{ seq: number }>(sql`select seq from flow_runs`)));
    expect(seqs.map((r) => Number(r.seq))).toEqual(Array(RUNS).fill(WAITS + 1));

    const redis = connectRedis(inject("redisUrl"));
    cleanup.push(() => redis.quit());
    const queues = createQueues(redis, t.settings.RAPPORT_QUEUE_PREFIX);
    cleanup.push(() => queues.close());
    const completed = await completedJobs(redis, queues.steps);
    const batches = completed.filter((j) => j.jobId.startsWith("wakes-"));
    const singles = completed.filter((j) => !j.jobId.startsWith("wakes-"));
    expect(batches.length).toBeGreaterThan(0);
    // Each wake-up ran once, alone or in a batch, and found its run where it left it.
    const counts = batches.map((j) => j.returnvalue as Record<string, number>);
    expect(
      singles.filter((j) => j.returnvalue === "applied").length +
        counts.reduce((n, c) => n + Number(c.applied), 0),
    ).toBe(RUNS * WAITS);
    expect(singles.filter((j) => j.returnvalue !== "applied")).toEqual([]);
    expect(counts.every((c) => c.stale === 0 && c.handedOver === 0)).toBe(true);
    // A completed batch is not kept in Redis (each of its steps is in the store).
    expect((await queues.steps.getJobs(["completed"])).filter((j) => j.name === WAKE_BATCH_JOB)).toEqual([]);
  });
});
