/**
 * A first send that finds the send pool full goes to the deliveries queue due at once (on
 * real Redis): the pool being busy is not a failure, so it waits no backoff delay. A
 * burst of registrations larger than the pool's waiting room once held its overflow back
 * by RAPPORT_RETRY_BASE_MS (5 s), which cut the bench's thank-you rate by about a third.
 */
import { describe, expect, it } from "vitest";
import { deliverNow } from "../../src/jobs/process-delivery.js";
import { jobIds } from "../../src/jobs/queues.js";
import { createSendPool } from "../../src/jobs/send-pool.js";
import { harnessPerTest } from "../support/delivery-harness.js";

describe("a first send when the send pool is full", () => {
  const boot = harnessPerTest();

  it("is queued for the deliveries worker with no delay", async () => {
    const { h } = await boot();
    let release: () => void = () => {};
    const busy = new Promise<void>((ok) => {
      release = ok;
    });
    // One running task that does not end, and no waiting room: the next submit is refused.
    const pool = createSendPool({ concurrency: 1, maxWaiting: 0, run: () => busy });
    const deps = { ...h.deps, sendPool: pool };
    const first = await h.seedMessage("ada@example.com");
    const second = await h.seedMessage("grace@example.com");
    await deliverNow(first, deps);
    expect(pool.size()).toEqual({ running: 1, waiting: 0 });
    await deliverNow(second, deps);

    const job = await h.deps.queues.deliveries.getJob(jobIds.delivery(second));
    expect(job?.data).toEqual({ messageId: second });
    expect(job?.opts.delay ?? 0).toBe(0);
    expect(await job?.getState()).toBe("waiting");
    // The one the pool took has no job: the pool sends it.
    expect(await h.deps.queues.deliveries.getJob(jobIds.delivery(first))).toBeUndefined();
    release();
    await pool.close();
  });
});
