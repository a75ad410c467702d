/**
 * BullMQ workers for the four queues, each a thin shell around a processor function.
 * close() lets running jobs finish (graceful shutdown on SIGTERM/SIGINT).
 */
import { DelayedError, type Job, Worker } from "bullmq";
import type { connectRedis } from "../infra/redis.js";
import type { JobDeps } from "./deps.js";
import { processBroadcast } from "./process-broadcast.js";
import { processDelivery } from "./process-delivery.js";
import { processEvent } from "./process-event.js";
import { processInbound } from "./process-inbound.js";
import { processStep } from "./process-step.js";
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
} from "./queues.js";

export interface WorkerOptions {
  prefix: string;
  concurrency: number;
  /** Makes a fresh Redis connection; each worker blocks its own. */
  connect: () => ReturnType<typeof connectRedis>;
}

export interface RunningWorkers {
  workers: Worker[];
  close(): Promise<void>;
}

export function startWorkers(deps: JobDeps, opts: WorkerOptions): RunningWorkers {
  const common = { prefix: opts.prefix, autorun: true };
  // BullMQ leaves connections it was handed open; we close them after the workers.
  const connections: Array<ReturnType<typeof connectRedis>> = [];
  const connect = () => {
    const c = opts.connect();
    connections.push(c);
    return c;
  };
  const log = deps.logger;
  const events = new Worker<EventJob>(
    QUEUE_NAMES.events,
    (job: Job<EventJob>) => processEvent(eventJobSchema.parse(job.data), deps),
    { ...common, connection: connect(), concurrency: Math.max(1, Math.floor(opts.concurrency / 2)) },
  );
  const steps = new Worker<StepJob>(
    QUEUE_NAMES.steps,
    (job: Job<StepJob>) => processStep(stepJobSchema.parse(job.data), deps),
    { ...common, connection: connect(), concurrency: opts.concurrency },
  );
  const deliveries = new Worker<DeliveryJob>(
    QUEUE_NAMES.deliveries,
    (job: Job<DeliveryJob>) => processDelivery(deliveryJobSchema.parse(job.data), deps),
    { ...common, connection: connect(), concurrency: opts.concurrency },
  );
  const inbound = new Worker<InboundJob>(
    QUEUE_NAMES.inbound,
    (job: Job<InboundJob>) => processInbound(inboundJobSchema.parse(job.data), deps),
    { ...common, connection: connect(), concurrency: Math.max(1, Math.floor(opts.concurrency / 4)) },
  );
  // Broadcasts page through owners for as long as it takes; on shutdown the job stops
  // between pages and is put back (not counted as a failed attempt) to resume from its cursor.
  let stopping = false;
  const broadcasts = new Worker<BroadcastJob>(
    QUEUE_NAMES.broadcasts,
    async (job: Job<BroadcastJob>, token?: string) => {
      const outcome = await processBroadcast(broadcastJobSchema.parse(job.data), deps, {
        shouldStop: () => stopping,
      });
      if (outcome === "stopped") {
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      return outcome;
    },
    { ...common, connection: connect(), concurrency: 1 },
  );
  const workers = [events, steps, deliveries, inbound, broadcasts];
  for (const w of workers) {
    w.on("failed", (job, err) =>
      log.warn({ queue: w.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, "job failed"),
    );
    w.on("error", (err) => log.error({ queue: w.name, err: err.message }, "worker error"));
  }
  return {
    workers,
    async close() {
      stopping = true;
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
