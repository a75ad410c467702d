/**
 * A wake-up batch (wake-batches.ts): each run in it advanced as its own step job would
 * advance it (processStep at the run's seq), a few at a time so a send or a Redis round
 * trip of one does not hold up the rest.
 *
 * Retried whole, it is still right: a run already advanced has moved past its seq, so
 * its wake-up is stale and does nothing. A run whose advance throws is not allowed to
 * hold up the batch or to be retried with it: it gets a step job of its own (its own
 * attempts, marked failed when they run out: exhausted.ts), and the batch goes on. Only
 * when that hand-over fails too (Redis away) does the batch fail, to be retried; if its
 * attempts run out, its runs still wait in the store, overdue, and the sweeper wakes them.
 */
import type { JobDeps } from "./deps.js";
import { processStep, type StepOutcome } from "./process-step.js";
import type { WakeBatchJob } from "./queues.js";

/**
 * Runs of a batch advanced at once. On Postgres a step waits on two round trips, each
 * shared with the steps in flight beside it (src/store/run-batches.ts), so more lanes
 * mean fuller statements: flow steps/s (npm run bench, BENCH_ONLY=steps, Postgres) went
 * from 7,800–8,550 at 8 to 9,660–9,840 at 16 (10,000 at 32, with more in memory at once);
 * SQLite's stayed where it was, and the broadcast's worker RSS too (202 MB, peak 215).
 */
export const WAKE_BATCH_WIDTH = 16;

export type WakeBatchOutcome = Record<StepOutcome | "handedOver", number>;

export async function processWakeBatch(batch: WakeBatchJob, deps: JobDeps): Promise<WakeBatchOutcome> {
  const counts: WakeBatchOutcome = { applied: 0, stale: 0, finished: 0, ignored: 0, handedOver: 0 };
  let next = 0;
  let lost: unknown = null;
  const lane = async () => {
    for (let wake = batch.wakes[next++]; wake; wake = batch.wakes[next++]) {
      try {
        counts[await processStep(wake, deps)]++;
      } catch (err) {
        deps.logger.warn(
          { runId: wake.runId, seq: wake.seq, err: err instanceof Error ? err.message : String(err) },
          "a run of a wake-up batch failed; it is retried as a step job of its own",
        );
        try {
          await deps.queues.addStep(wake.runId, wake.seq, 0);
          counts.handedOver++;
        } catch (handOver) {
          lost ??= handOver;
        }
      }
    }
  };
  // Every lane finishes before the batch fails: a retry never overlaps this attempt.
  await Promise.all(Array.from({ length: Math.min(WAKE_BATCH_WIDTH, batch.wakes.length) }, lane));
  if (lost !== null) throw lost;
  return counts;
}
