/**
 * BullMQ workers for the five queues, each a thin shell around a processor function.
 *
 * Contract: close(deadline) stops taking jobs at once, lets running jobs finish until
 * `deadline` (epoch ms), then abandons whatever still runs (a send stalled on the mail
 * server, say): its BullMQ lock and its message's claim (lease) run out and another
 * process, or this one restarted, does the work again. What was abandoned is logged.
 * A job's last failed attempt marks its row failed (exhausted.ts).
 */
import { DelayedError, type Job, Worker } from "bullmq";
import type { connectRedis } from "../infra/redis.js";
import { BULLMQ_CLOSE_MS, quitOrCut, settlesBy } from "../infra/timeout.js";
import { bullPrefix } from "./bull-prefix.js";
import type { JobDeps } from "./deps.js";
import { onJobFailed, type QueueName } from "./exhausted.js";
import { processBroadcast } from "./process-broadcast.js";
import { processDelivery } from "./process-delivery.js";
import { processEvent } from "./process-event.js";
import { processInbound } from "./process-inbound.js";
import { processStep } from "./process-step.js";
import { processWakeBatch } from "./process-wake-batch.js";
import {
  type BroadcastJob,
  broadcastJobSchema,
  type DeliveryJob,
  deliveryJobSchema,
  type EventJob,
  eventJobSchema,
  type InboundJob,
  inboundJobSchema,
  QUEUE_NAMES,
  type StepJob,
  stepJobSchema,
  WAKE_BATCH_JOB,
  type WakeBatchJob,
  wakeBatchJobSchema,
} from "./queues.js";

export interface WorkerOptions {
  /** RAPPORT_QUEUE_PREFIX as set; each queue's keys go under its hash tag (bull-prefix.ts), as in queues.ts. */
  prefix: string;
  concurrency: number;
  /** Makes a fresh Redis connection; each worker blocks its own. */
  connect: () => ReturnType<typeof connectRedis>;
  /** RAPPORT_RETRY_BASE_MS: the shortest wait before the sweeper retries an exhausted delivery. */
  retryBaseMs?: number;
  /** Message ids being sent right now (in-flight.ts), named in the log when a shutdown abandons them. */
  sending?: () => string[];
}

export interface RunningWorkers {
  workers: Worker[];
  /** Jobs being processed now, by queue and id. */
  active(): Array<{ queue: QueueName; jobId: string }>;
  /** Stops taking jobs, waits for running ones until `deadline` (epoch ms; default: no limit), then abandons them. */
  close(deadline?: number): Promise<void>;
}

export function startWorkers(deps: JobDeps, opts: WorkerOptions): RunningWorkers {
  const common = (name: QueueName) => ({ prefix: bullPrefix(opts.prefix, QUEUE_NAMES[name]), autorun: true });
  // BullMQ leaves connections it was handed open; we close them after the workers.
  const connections: Array<ReturnType<typeof connectRedis>> = [];
  const connect = () => {
    const c = opts.connect();
    connections.push(c);
    return c;
  };
  const log = deps.logger;

  // Every job being processed, so a shutdown knows what it waits for and what it abandons.
  const running = new Map<string, { queue: QueueName; jobId: string; done: Promise<unknown> }>();
  const tracked =
    <T, R>(queue: QueueName, fn: (job: Job<T>, token?: string) => Promise<R>) =>
    (job: Job<T>, token?: string): Promise<R> => {
      const key = `${queue}:${job.id}`;
      const p = fn(job, token);
      running.set(key, { queue, jobId: String(job.id), done: p });
      return p.finally(() => running.delete(key));
    };

  const events = new Worker<EventJob>(
    QUEUE_NAMES.events,
    tracked("events", (job: Job<EventJob>) => processEvent(eventJobSchema.parse(job.data), deps)),
    {
      ...common("events"),
      connection: connect(),
      concurrency: Math.max(1, Math.floor(opts.concurrency / 2)),
    },
  );
  const steps = new Worker<StepJob | WakeBatchJob>(
    QUEUE_NAMES.steps,
    tracked(
      "steps",
      (job: Job<StepJob | WakeBatchJob>): Promise<unknown> =>
        job.name === WAKE_BATCH_JOB
          ? processWakeBatch(wakeBatchJobSchema.parse(job.data), deps)
          : processStep(stepJobSchema.parse(job.data), deps),
    ),
    { ...common("steps"), connection: connect(), concurrency: opts.concurrency },
  );
  const deliveries = new Worker<DeliveryJob>(
    QUEUE_NAMES.deliveries,
    tracked("deliveries", (job: Job<DeliveryJob>) =>
      processDelivery(deliveryJobSchema.parse(job.data), deps),
    ),
    { ...common("deliveries"), connection: connect(), concurrency: opts.concurrency },
  );
  const inbound = new Worker<InboundJob>(
    QUEUE_NAMES.inbound,
    tracked("inbound", (job: Job<InboundJob>) => processInbound(inboundJobSchema.parse(job.data), deps)),
    {
      ...common("inbound"),
      connection: connect(),
      concurrency: Math.max(1, Math.floor(opts.concurrency / 4)),
    },
  );
  // Broadcasts page through owners for as long as it takes; on shutdown the job stops
  // between pages and is put back (not counted as a failed attempt) to resume from its cursor.
  let stopping = false;
  const broadcasts = new Worker<BroadcastJob>(
    QUEUE_NAMES.broadcasts,
    tracked("broadcasts", async (job: Job<BroadcastJob>, token?: string) => {
      const outcome = await processBroadcast(broadcastJobSchema.parse(job.data), deps, {
        shouldStop: () => stopping,
      });
      if (outcome === "stopped") {
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      return outcome;
    }),
    { ...common("broadcasts"), connection: connect(), concurrency: 1 },
  );
  const byQueue: Array<[QueueName, Worker]> = [
    ["events", events],
    ["steps", steps],
    ["deliveries", deliveries],
    ["inbound", inbound],
    ["broadcasts", broadcasts],
  ];
  const workers = byQueue.map(([, w]) => w);
  // Marking a row failed is a store write; a shutdown waits for those under way.
  const marking = new Set<Promise<void>>();
  const exhaustedOptions = { retryBaseMs: opts.retryBaseMs ?? 5000 };
  for (const [queue, w] of byQueue) {
    w.on("failed", (job, err) => {
      log.warn({ queue: w.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, "job failed");
      if (!job) return;
      const p = onJobFailed(queue, job, err, deps, exhaustedOptions)
        .catch((e: unknown) =>
          // The row keeps its state; the sweeper queues the work again and its job ends here again.
          log.warn(
            { queue, jobId: job.id, err: e instanceof Error ? e.message : String(e) },
            "could not mark exhausted work failed",
          ),
        )
        .finally(() => marking.delete(p));
      marking.add(p);
    });
    w.on("error", (err) => {
      if (deps.redisErrors?.(err, w.name)) return;
      log.error({ queue: w.name, err: err.message }, "worker error");
    });
  }
  return {
    workers,
    active: () => [...running.values()].map(({ queue, jobId }) => ({ queue, jobId })),
    async close(deadline = Number.POSITIVE_INFINITY) {
      stopping = true;
      // Stop taking jobs now, without waiting for the running ones (that is the next step).
      await Promise.all(workers.map((w) => w.pause(true).catch(() => {})));
      // Jobs fetched just before the pause may still start; wait until none runs or time is up.
      let finished = true;
      while (running.size > 0) {
        const all = Promise.all([...running.values()].map((r) => r.done.catch(() => {})));
        if (!(await settlesBy(all, deadline))) {
          finished = false;
          break;
        }
      }
      if (!finished) {
        log.warn(
          {
            abandonedJobs: [...running.values()].map(({ queue, jobId }) => ({ queue, jobId })),
            abandonedMessages: opts.sending?.() ?? [],
          },
          "shutdown deadline passed: abandoning jobs still running; their locks and message claims run out and the work is done again (here after a restart, or by another worker)",
        );
      }
      // With Redis away, BullMQ's close waits for commands that get no answer: after
      // BULLMQ_CLOSE_MS the connections are cut (their commands fail), so a shutdown with
      // nothing running does not sit out the whole grace period.
      const closed = Promise.all(workers.map((w) => w.close(!finished).catch(() => {})));
      if (!(await settlesBy(closed, Date.now() + BULLMQ_CLOSE_MS)))
        for (const c of connections) c.disconnect();
      await settlesBy(Promise.all([...marking]), finished ? Number.POSITIVE_INFINITY : Date.now() + 1000);
      await Promise.all(connections.map((c) => quitOrCut(c)));
    },
  };
}
