/**
 * The wake-up promoter on a real Redis and SQLite, its clock in the test's hands: runs
 * waking beyond the horizon get their delayed step job only once they come within it,
 * in pages (runs sharing a millisecond included); the watermark survives a restart; a
 * promotion repeated after a crash adds nothing twice; a shortened horizon misses nothing;
 * runs due together share one batch job (wake-batches.ts), which wakes every one of them.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { initialRun } from "../../src/flows/interpreter.js";
import { connectRedis } from "../../src/infra/redis.js";
import { promoteWakeUps } from "../../src/jobs/promote-wake-ups.js";
import { createQueues, jobIds, type Queues } from "../../src/jobs/queues.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { RunRow, Store } from "../../src/store/store.js";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2030, 0, 1, 9);

describe("wake-up promoter", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });
  const dir = mkdtempSync(join(tmpdir(), "rapport-wake-"));
  const prefix = `wk${randomBytes(5).toString("hex")}`;
  /** A store (closed once, by the test or after it) and queues on the test's Redis. */
  const open = (file: string): { store: Store; queues: Queues; closeStore(): Promise<void> } => {
    const store = openSqliteStore(join(dir, file));
    let closed: Promise<void> | null = null;
    const closeStore = () => {
      closed ??= store.close();
      return closed;
    };
    const redis = connectRedis(inject("redisUrl"));
    const queues = createQueues(redis, `${prefix}${file}`);
    cleanup.push(
      closeStore,
      () => redis.quit(),
      () => queues.close(),
    );
    return { store, queues, closeStore };
  };

  /** Runs of one customer waiting until the given times, keyed by name. */
  async function waitingRuns(store: Store, wakes: Record<string, number>): Promise<Map<string, RunRow>> {
    const { event } = await store.recordEvent(
      { id: "ev1", type: "registration", customer: { email: "ada@example.com" } },
      T0,
    );
    const { runs } = await store.ingestAndStartRuns(event, T0, () =>
      Object.entries(wakes).map(([name, wakeAt]) => ({
        flowId: name,
        flowVersion: "v1",
        entryKey: `k-${name}`,
        ownershipId: null,
        state: {
          ...initialRun(),
          cursor: [1],
          status: "waiting",
          wakeAt,
          waitingFor: "time",
          waitingSince: T0,
        },
      })),
    );
    return new Map(runs.map((r) => [r.flowId, r]));
  }

  const stateOf = (queues: Queues, run: RunRow | undefined) =>
    queues.steps.getJobState(jobIds.step(run?.id ?? "?", run?.seq ?? 0));

  /** Every wake-up queued (delayed or waiting), alone or in a batch: "runId@seq" → its job's delay. */
  async function queuedWakeUps(queues: Queues): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const job of await queues.steps.getJobs(["delayed", "waiting"])) {
      const data = job.data as {
        runId?: string;
        seq?: number;
        wakes?: Array<{ runId: string; seq: number }>;
      };
      const wakes = data.wakes ?? [{ runId: data.runId ?? "?", seq: data.seq ?? -1 }];
      for (const w of wakes) {
        expect(out.has(`${w.runId}@${w.seq}`), `${w.runId} queued twice`).toBe(false);
        out.set(`${w.runId}@${w.seq}`, job.delay);
      }
    }
    return out;
  }
  const key = (run: RunRow | undefined) => `${run?.id ?? "?"}@${run?.seq ?? 0}`;

  it("queues each run once it comes within the horizon, and goes on from its watermark after a restart", async () => {
    const first = open("a.db");
    const runs = await waitingRuns(first.store, {
      overdue: T0 - 60_000,
      soon: T0 + 30 * 60_000,
      tie1: T0 + 3 * DAY,
      tie2: T0 + 3 * DAY,
      tie3: T0 + 3 * DAY,
      later: T0 + 10 * DAY,
    });
    let now = T0;
    const clock = { now: () => now };

    // First promotion (no watermark yet): everything within the hour, the overdue run too.
    const one = await promoteWakeUps({ store: first.store, queues: first.queues, clock }, HOUR, 2);
    expect(one).toEqual({ promoted: 2, through: T0 + HOUR });
    expect(await stateOf(first.queues, runs.get("overdue"))).toBe("waiting");
    expect(await stateOf(first.queues, runs.get("soon"))).toBe("delayed");
    const soonJob = await first.queues.steps.getJob(jobIds.step(runs.get("soon")?.id ?? "", 0));
    expect(soonJob?.delay).toBe(30 * 60_000);
    for (const name of ["tie1", "tie2", "tie3", "later"])
      expect(await stateOf(first.queues, runs.get(name))).toBe("unknown");
    expect(await first.queues.steps.getDelayedCount()).toBe(1);
    expect(await first.store.getWakeWatermark()).toBe(T0 + HOUR);
    await first.closeStore();

    // A restart: a new process on the same database and Redis goes on from the watermark.
    const store = openSqliteStore(join(dir, "a.db"));
    cleanup.push(() => store.close());
    expect(await store.getWakeWatermark()).toBe(T0 + HOUR);
    const again = { store, queues: first.queues, clock };
    now = T0 + 3 * DAY - HOUR + 1;
    // Pages of 2 over three runs sharing one millisecond: none skipped, none listed twice.
    // The first page's two share a batch job; the second page's one has a job of its own.
    expect(await promoteWakeUps(again, HOUR, 2)).toEqual({ promoted: 3, through: now + HOUR });
    const queued = await queuedWakeUps(first.queues);
    for (const name of ["tie1", "tie2", "tie3"]) expect(queued.get(key(runs.get(name)))).toBe(HOUR - 1);
    expect(queued.has(key(runs.get("later")))).toBe(false);
    expect(await first.queues.steps.getDelayedCount()).toBe(3);

    // A crash between adding the jobs and moving the watermark: the next promotion adds
    // the same jobs again, which changes nothing.
    await store.setWakeWatermark(T0 + HOUR, now);
    expect((await promoteWakeUps(again, HOUR, 2)).promoted).toBe(3);
    expect(await first.queues.steps.getDelayedCount()).toBe(3);
    expect((await queuedWakeUps(first.queues)).size).toBe(5); // overdue, soon and the three ties
  });

  it("never leaves the watermark above now + horizon: runs a shorter horizon left to it are found", async () => {
    const { store, queues } = open("b.db");
    const runs = await waitingRuns(store, { fourDays: T0 + 4 * DAY });
    // Left by a run with a 10-day horizon (the fourDays run would have had its job then).
    await store.setWakeWatermark(T0 + 10 * DAY, T0);
    let now = T0 + 3 * DAY;
    const clock = { now: () => now };
    // Restarted with a 1-hour horizon: the run's step (under it) queued no job.
    expect(await promoteWakeUps({ store, queues, clock }, HOUR)).toEqual({
      promoted: 0,
      through: T0 + 3 * DAY + HOUR,
    });
    now = T0 + 4 * DAY - 30 * 60_000;
    expect((await promoteWakeUps({ store, queues, clock }, HOUR)).promoted).toBe(1);
    expect(await stateOf(queues, runs.get("fourDays"))).toBe("delayed");
  });
});
