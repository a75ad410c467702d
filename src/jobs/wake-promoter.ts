/**
 * The wake-up promoter's clock: a BullMQ job scheduler on a small queue of its own makes
 * one job every RAPPORT_WAKE_PROMOTE_EVERY_MS, and one worker (of however many processes
 * run this) takes it and runs one promotion (promote-wake-ups.ts). Every worker process
 * upserts the same scheduler at start, which changes nothing once it exists (or moves it
 * to a new interval). A promotion that fails is logged; the next one covers its runs.
 */

import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { BULLMQ_CLOSE_MS, quitOrCut, settlesBy } from "../infra/timeout.js";
import { bullPrefix } from "./bull-prefix.js";
import type { JobDeps } from "./deps.js";
import { promoteWakeUps } from "./promote-wake-ups.js";

export const WAKE_QUEUE = "wake-promoter";
const SCHEDULER_ID = "promote-wake-ups";

export interface WakePromoterOptions {
  prefix: string;
  /** The queue's (non-blocking) connection; left open, its owner closes it. */
  connection: Redis;
  /** Makes a fresh connection for the worker (it blocks its own); closed with the promoter. */
  connect: () => Redis;
  horizonMs: number;
  everyMs: number;
}

export interface RunningWakePromoter {
  /** Stops taking promotions, lets a running one finish. */
  close(): Promise<void>;
}

export function startWakePromoter(
  deps: Pick<JobDeps, "store" | "queues" | "clock" | "logger" | "redisErrors">,
  opts: WakePromoterOptions,
): RunningWakePromoter {
  const queue = new Queue(WAKE_QUEUE, {
    connection: opts.connection,
    prefix: bullPrefix(opts.prefix, WAKE_QUEUE),
  });
  // Not awaited: a Redis that is away at start delays the scheduler, not rapport's start
  // (commands wait for Redis to come back; meanwhile the sweeper wakes runs that are due).
  const scheduled = queue
    .upsertJobScheduler(
      SCHEDULER_ID,
      { every: opts.everyMs },
      // One job per tick, kept only when it failed (a few, to look at): Redis stays flat.
      {
        name: "promote",
        data: {},
        opts: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 20 } },
      },
    )
    .catch((err: unknown) =>
      deps.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        "could not schedule the wake-up promoter; runs beyond the horizon wake late (the sweeper's)",
      ),
    );
  const workerConnection = opts.connect();
  const worker = new Worker(
    WAKE_QUEUE,
    async () => {
      const result = await promoteWakeUps(deps, opts.horizonMs);
      if (result.promoted > 0) deps.logger.debug(result, "wake-ups promoted into the steps queue");
      return result;
    },
    { connection: workerConnection, prefix: bullPrefix(opts.prefix, WAKE_QUEUE), concurrency: 1 },
  );
  worker.on("failed", (_job, err) =>
    deps.logger.warn({ err: err.message }, "wake-up promotion failed; the next one covers its runs"),
  );
  const onError = (err: Error) => {
    if (deps.redisErrors?.(err, WAKE_QUEUE)) return;
    deps.logger.error({ queue: WAKE_QUEUE, err: err.message }, "worker error");
  };
  worker.on("error", onError);
  // A queue without an 'error' listener makes BullMQ print each error to the console.
  queue.on("error", onError);
  return {
    async close() {
      // With Redis away these wait for answers that do not come: cut after BULLMQ_CLOSE_MS
      // (the scheduler's command on the shared connection is its owner's to end).
      const closed = (async () => {
        await worker.close().catch(() => {});
        await scheduled;
        await queue.close().catch(() => {});
      })();
      if (!(await settlesBy(closed, Date.now() + BULLMQ_CLOSE_MS))) workerConnection.disconnect();
      await quitOrCut(workerConnection);
    },
  };
}
