/**
 * One promotion: the waiting runs that have come within the wake horizon since the last
 * one are handed to BullMQ as delayed step jobs (see wake-horizon.ts for why runs beyond
 * it have none).
 *
 * The store keeps a watermark W: every waiting run waking at or before W has its job.
 * A promotion lists the runs with W < wake_at <= now + horizon in pages ordered by
 * (wake_at, id), adds each page's jobs in one round trip (delay: wake_at - now), moves W
 * after each page to just before the page's last wake time (runs sharing it may be on
 * the next page) and, at the end, to now + horizon. A crash between adding and moving W
 * re-adds jobs the next time. That is harmless: job ids are deterministic, so a job still
 * there is not added twice, and a wake-up added again where the first already ran, or
 * beside the step's own (a step can queue a run waking just above W: wake-up-coalescer.ts
 * may put it in a batch of another id), finds its run moved on and does nothing.
 *
 * W is never taken above now + horizon: after the horizon was shortened (or the clock put
 * back) runs may wait below the old W with no job, put there by steps that used the
 * shorter horizon.
 *
 * Runs overdue whose job went missing anyway (Redis wiped, a promotion that failed for
 * long) are the sweeper's, as before: it lists waiting runs by wake time, not by job.
 */
import type { JobDeps } from "./deps.js";

export const WAKE_PAGE_SIZE = 1000;

export interface PromotionResult {
  /** Jobs added (or found already there). */
  promoted: number;
  /** The watermark left in the store. */
  through: number;
}

export async function promoteWakeUps(
  deps: Pick<JobDeps, "store" | "queues" | "clock">,
  horizonMs: number,
  pageSize = WAKE_PAGE_SIZE,
): Promise<PromotionResult> {
  const { store, queues, clock } = deps;
  // Read before listing: the argument in wake-horizon.ts depends on this order.
  const through = clock.now() + horizonMs;
  const stored = await store.getWakeWatermark();
  // Wake times are integers: "after W" is "from W + 1, any id" ("" sorts before every id).
  let cursor = stored === null ? null : { wakeAt: Math.min(stored, through) + 1, id: "" };
  let promoted = 0;
  for (;;) {
    const runs = await store.listRunsWaking(cursor, through, pageSize);
    const now = clock.now();
    await queues.addWakeUps(runs.map((r) => ({ runId: r.id, seq: r.seq, delayMs: r.wakeAt - now })));
    promoted += runs.length;
    const last = runs.at(-1);
    if (runs.length < pageSize || !last) break;
    // Runs at last.wakeAt beyond this page are not in Redis yet: W stops just before it.
    await store.setWakeWatermark(last.wakeAt - 1, now);
    cursor = { wakeAt: last.wakeAt, id: last.id };
  }
  await store.setWakeWatermark(through, clock.now());
  return { promoted, through };
}
