/**
 * requeue on a real Redis: a finished job of the same id is replaced (BullMQ would
 * otherwise ignore the add for as long as it keeps the old job), a pending one is never
 * duplicated, and the sweeper counts only what it really added.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterEach, describe, expect, inject, it } from "vitest";
import { connectRedis } from "../../src/infra/redis.js";
import { bullPrefix } from "../../src/jobs/bull-prefix.js";
import { createQueues, jobIds, QUEUE_NAMES } from "../../src/jobs/queues.js";
import { requeue } from "../../src/jobs/requeue.js";
import { sweepOnce } from "../../src/jobs/sweeper.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { eventually } from "../support/test-env.js";

describe("requeue", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });
  const prefix = () => `rq${randomBytes(5).toString("hex")}`;
  const redis = (): Redis => {
    const c = connectRedis(inject("redisUrl"));
    cleanup.push(() => c.quit());
    return c;
  };
  function queueAndWorker(p: string, processor: (data: { n: number }) => Promise<string>) {
    const queue = new Queue<{ n: number }>("work", { connection: redis(), prefix: p });
    cleanup.push(() => queue.close());
    const runs: number[] = [];
    const worker = new Worker<{ n: number }>(
      "work",
      async (job) => {
        runs.push(job.data.n);
        return processor(job.data);
      },
      { connection: redis(), prefix: p },
    );
    cleanup.push(() => worker.close(true));
    return { queue, worker, runs };
  }

  it("replaces a failed job of the same id, and the new one runs", async () => {
    let fail = true;
    const { queue, runs } = queueAndWorker(prefix(), async () => {
      if (fail) throw new UnrecoverableError("first time fails");
      return "ok";
    });
    expect(await requeue(queue, "w", { n: 1 }, { jobId: "job-1" })).toEqual({ added: true });
    await eventually(async () => (await queue.getJobState("job-1")) === "failed", "job failed");
    // What the sweeper used to do: a plain add with the same id is ignored while the failed job is kept.
    await queue.add("w", { n: 2 }, { jobId: "job-1" });
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toEqual([1]);

    fail = false;
    expect(await requeue(queue, "w", { n: 3 }, { jobId: "job-1" })).toEqual({ added: true });
    await eventually(async () => (await queue.getJobState("job-1")) === "completed", "new job completed");
    expect(runs).toEqual([1, 3]);
    // And a completed one is replaced too.
    expect(await requeue(queue, "w", { n: 4 }, { jobId: "job-1" })).toEqual({ added: true });
    await eventually(async () => runs.length === 2 + 1, "third run");
    expect(runs).toEqual([1, 3, 4]);
  });

  it("never duplicates a job that is active, waiting or delayed", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((ok) => {
      release = ok;
    });
    const p = prefix();
    const { queue, runs } = queueAndWorker(p, async () => {
      await gate;
      return "ok";
    });
    await requeue(queue, "w", { n: 1 }, { jobId: "busy" });
    await eventually(async () => (await queue.getJobState("busy")) === "active", "job active");
    expect(await requeue(queue, "w", { n: 2 }, { jobId: "busy" })).toEqual({ added: false, state: "active" });

    // Waiting and delayed, on a queue without a worker.
    const idle = new Queue<{ n: number }>("idle", { connection: redis(), prefix: p });
    cleanup.push(() => idle.close());
    await requeue(idle, "w", { n: 1 }, { jobId: "w1" });
    expect(await requeue(idle, "w", { n: 2 }, { jobId: "w1" })).toEqual({ added: false, state: "waiting" });
    await requeue(idle, "w", { n: 1 }, { jobId: "d1", delay: 60_000 });
    expect(await requeue(idle, "w", { n: 2 }, { jobId: "d1" })).toEqual({ added: false, state: "delayed" });
    expect(await idle.getJobCounts("waiting", "delayed")).toEqual({ waiting: 1, delayed: 1 });

    release();
    await eventually(async () => (await queue.getJobState("busy")) === "completed", "job completed");
    await new Promise((r) => setTimeout(r, 200));
    expect(runs).toEqual([1]);
  });

  /** A store in a temp dir, queues under a fresh prefix, and a clock the test moves by hand. */
  function storeAndQueues() {
    const dir = mkdtempSync(join(tmpdir(), "rapport-requeue-"));
    const store = openSqliteStore(join(dir, "rapport.db"));
    cleanup.push(() => store.close());
    const p = prefix();
    const queues = createQueues(redis(), p);
    cleanup.push(() => queues.close());
    const time = { now: Date.parse("2026-11-27T10:00:00Z") };
    return { store, queues, p, time, clock: { now: () => time.now } };
  }

  it("the sweeper counts the jobs it really added, not the rows it looked at", async () => {
    const { store, queues, p, time, clock } = storeAndQueues();
    const { eventId } = await store.recordEvent(
      { id: "ev-stranded", type: "registration", customer: { email: "ada@example.com" } },
      time.now,
    );
    time.now += 60_000;
    const deps = { store, queues, clock };
    expect((await sweepOnce(deps, 1000)).events).toBe(1);
    // Its job is still waiting (no worker here): nothing new is added, and nothing is counted.
    expect((await sweepOnce(deps, 1000)).events).toBe(0);
    expect(await queues.events.getJobCounts("waiting")).toEqual({ waiting: 1 });

    // The job fails for good (a worker that always fails) while the row says the work is
    // still to do: the sweeper adds a new job.
    const failing = new Worker(
      "events",
      async () => {
        throw new UnrecoverableError("gone wrong");
      },
      // Where createQueues put the queue: under its hash tag, as startWorkers does.
      { connection: redis(), prefix: bullPrefix(p, QUEUE_NAMES.events) },
    );
    await eventually(
      async () => (await queues.events.getJobState(jobIds.event(eventId))) === "failed",
      "the event's job failed",
    );
    await failing.close();
    expect(await queues.events.getJobState(jobIds.event(eventId))).toBe("failed");
    expect((await sweepOnce(deps, 1000)).events).toBe(1);
    expect(await queues.events.getJobState(jobIds.event(eventId))).toBe("waiting");

    // A failed event is never swept.
    await store.failEvent(eventId, "attempts used up", time.now);
    const job2 = await queues.events.getJob(jobIds.event(eventId));
    await job2?.remove();
    expect((await sweepOnce(deps, 1000)).events).toBe(0);
    expect(await queues.events.getJobCounts("waiting", "failed")).toEqual({ waiting: 0, failed: 0 });
  });

  it("addNewEvent queues a first-time event in one add; under a kept job's id it leaves the event to the sweeper", async () => {
    const { store, queues, p, time, clock } = storeAndQueues();
    // A Redis that kept a failed job under an id this store has never seen (a store put back
    // from a backup beside it): the plain add is ignored, as BullMQ ignores any add of a kept id.
    await queues.events.add("event", { eventId: "ev-kept" }, { jobId: jobIds.event("ev-kept") });
    // Failed by hand (a worker without a processor takes exactly one job): a running worker
    // could take the next job too while it closes.
    const byHand = new Worker("events", null, {
      connection: redis(),
      prefix: bullPrefix(p, QUEUE_NAMES.events),
    });
    const old = await byHand.getNextJob("by-hand");
    expect(old?.id).toBe(jobIds.event("ev-kept"));
    await old?.moveToFailed(new UnrecoverableError("an old store's job"), "by-hand", false);
    await byHand.close();
    expect(await queues.events.getJobState(jobIds.event("ev-kept"))).toBe("failed");
    // A first-time event beside it: one add, and its job waits.
    const fresh = await store.recordEvent(
      { id: "ev-new", type: "registration", customer: { email: "ada@example.com" } },
      time.now,
    );
    await queues.addNewEvent(fresh.eventId);
    expect(await queues.events.getJobState(jobIds.event("ev-new"))).toBe("waiting");

    const kept = await store.recordEvent(
      { id: "ev-kept", type: "registration", customer: { email: "bo@example.com" } },
      time.now,
    );
    expect(kept.duplicate).toBe(false);
    await queues.addNewEvent(kept.eventId);
    expect(await queues.events.getJobState(jobIds.event("ev-kept"))).toBe("failed");
    // The event is still `received`: past the grace time the sweeper replaces the kept job.
    time.now += 60_000;
    await sweepOnce({ store, queues, clock }, 1000);
    expect(await queues.events.getJobState(jobIds.event("ev-kept"))).toBe("waiting");
  });
});
