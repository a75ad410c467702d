/**
 * The three queues, their payloads, and deterministic job ids.
 *
 * Contract: a job names a row in the store (event, run at a seq, message) and nothing
 * else; the store is the truth and a job only says "look at this now". Ids are derived
 * from the row, so adding the same work twice while a job exists is a no-op, and a
 * processor that finds its row already handled does nothing: adding is always safe,
 * which is what lets the sweeper re-add anything that may have been lost.
 *
 * Every add goes through `requeue` (requeue.ts): BullMQ ignores add() for an id it still
 * keeps, and completed and failed jobs are kept for a while, so a plain add of work
 * whose earlier job finished or used up its attempts would silently do nothing.
 */
import { createHash } from "node:crypto";
import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { BULLMQ_CLOSE_MS, settlesBy } from "../infra/timeout.js";
import { bullPrefix } from "./bull-prefix.js";
import { type RequeueResult, requeue } from "./requeue.js";
import { groupWakeUps, type WakeUp, wakeBatchJobId } from "./wake-batches.js";
import { coalesceWakeUps } from "./wake-up-coalescer.js";

export const QUEUE_NAMES = {
  events: "events",
  steps: "steps",
  deliveries: "deliveries",
  inbound: "inbound",
  broadcasts: "broadcasts",
} as const;

export const eventJobSchema = z.strictObject({ eventId: z.string().min(1) });
export const stepJobSchema = z.strictObject({
  runId: z.string().min(1),
  seq: z.number().int().min(0),
  /** Set when the job brings a reply to the run rather than a wake-up. */
  reply: z.strictObject({ interactionId: z.string().min(1), at: z.number() }).optional(),
  /** Set when the job brings an event to a run waiting for one (wait_for). */
  event: z
    .strictObject({ eventType: z.string().min(1), eventId: z.string().min(1), at: z.number() })
    .optional(),
});
/** Wake-ups of many runs due together, in one job (wake-batches.ts); its name is "wakes". */
export const wakeBatchJobSchema = z.strictObject({
  wakes: z
    .array(z.strictObject({ runId: z.string().min(1), seq: z.number().int().min(0) }))
    .min(1)
    .max(10_000),
});
export const deliveryJobSchema = z.strictObject({ messageId: z.string().min(1) });
export const inboundJobSchema = z.strictObject({ inboundId: z.string().min(1) });
export const broadcastJobSchema = z.strictObject({ broadcastId: z.string().min(1) });

export type EventJob = z.infer<typeof eventJobSchema>;
export type StepJob = z.infer<typeof stepJobSchema>;
export type WakeBatchJob = z.infer<typeof wakeBatchJobSchema>;
/** The job name of a wake-up batch on the steps queue. */
export const WAKE_BATCH_JOB = "wakes";
export type DeliveryJob = z.infer<typeof deliveryJobSchema>;
export type InboundJob = z.infer<typeof inboundJobSchema>;
export type BroadcastJob = z.infer<typeof broadcastJobSchema>;

/** BullMQ ids may not contain ':' and event ids are chosen by senders: hash them. */
const safe = (s: string) =>
  /^[A-Za-z0-9_-]{1,100}$/.test(s) ? s : createHash("sha256").update(s).digest("hex");

export const jobIds = {
  event: (eventId: string) => `ev-${safe(eventId)}`,
  step: (runId: string, seq: number) => `run-${safe(runId)}-${seq}`,
  delivery: (messageId: string) => `msg-${safe(messageId)}`,
  /** One per run and interaction: the reply reaches the run once, whatever seq it is at. */
  reply: (runId: string, interactionId: string) => `reply-${safe(runId)}-${safe(interactionId)}`,
  /** One per run and event: the event reaches a waiting run once. */
  eventInput: (runId: string, eventId: string) => `evin-${safe(runId)}-${safe(eventId)}`,
  inbound: (inboundId: string) => `in-${safe(inboundId)}`,
  broadcast: (broadcastId: string) => `bc-${safe(broadcastId)}`,
};

/**
 * What Redis keeps of finished jobs, per queue, bounded by count and by age. Nothing in
 * rapport reads them (the store is the truth; requeue.ts replaces a kept job of the same
 * id), they are for a person looking into Redis, so they are kept small and fixed rather
 * than made settings: completed ones an hour, at most 5,000 (~1.1 KB each); failed ones a
 * week, at most 20,000, each with the stack trace of its last attempt only (every
 * attempt's error is in the log). Without that limit a delivery job failed after 10
 * attempts measured 11.5 KB instead of 2.2 KB: 230 MB rather than 45 MB for a full
 * failed set. BullMQ applies the ages when another job of the queue finishes, the counts
 * at once. README: "Redis in production".
 */
const keep = {
  removeOnComplete: { age: 3600, count: 5000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 20000 },
  stackTraceLimit: 1,
};

/**
 * Retries with exponential backoff from `retryBaseMs` (deliveries: 5 s, 10 s, 20 s, … by
 * default); what is still failing after them is marked failed (events, inbound, runs) or
 * left to the sweeper's slower retries until its give-up time (deliveries): see exhausted.ts.
 */
export function defaultJobOptions(
  retryBaseMs: number,
  deliveryAttempts = 10,
): Record<keyof typeof QUEUE_NAMES, JobsOptions> {
  const fast = Math.max(1, Math.round(retryBaseMs / 5));
  return {
    events: { attempts: 8, backoff: { type: "exponential", delay: fast }, ...keep },
    steps: { attempts: 8, backoff: { type: "exponential", delay: fast }, ...keep },
    deliveries: { attempts: deliveryAttempts, backoff: { type: "exponential", delay: retryBaseMs }, ...keep },
    inbound: { attempts: 8, backoff: { type: "exponential", delay: fast }, ...keep },
    broadcasts: { attempts: 8, backoff: { type: "exponential", delay: fast }, ...keep },
  };
}

/** The work the sweeper (and `rapport retry`) re-queues, each saying whether a job was really added. */
export interface Requeuers {
  event(eventId: string): Promise<RequeueResult>;
  step(runId: string, seq: number): Promise<RequeueResult>;
  delivery(messageId: string): Promise<RequeueResult>;
  inbound(inboundId: string): Promise<RequeueResult>;
  broadcast(broadcastId: string): Promise<RequeueResult>;
}

export interface Queues {
  events: Queue<EventJob>;
  steps: Queue<StepJob | WakeBatchJob>;
  deliveries: Queue<DeliveryJob>;
  inbound: Queue<InboundJob>;
  broadcasts: Queue<BroadcastJob>;
  /** The same adds as below, with what happened (the sweeper counts what it really added). */
  requeue: Requeuers;
  addEvent(eventId: string): Promise<void>;
  /**
   * The job of an event the store has just stored for the first time: a plain add, one
   * round trip, where addEvent first asks what a job of that id is doing (requeue.ts). No
   * job can be kept under the id of an event never stored before; should one be (a store
   * put back from a backup beside a Redis that kept its jobs), the event stays `received`
   * and the sweeper, which replaces kept jobs, queues it after its grace time.
   */
  addNewEvent(eventId: string): Promise<void>;
  addStep(runId: string, seq: number, delayMs?: number): Promise<void>;
  /**
   * The wake-up of a seq the caller's transaction has just given the run: a plain add,
   * where addStep first asks what a job of that id is doing (requeue.ts). No finished job
   * can be kept under that id: ids name the seq, and the store gives each seq once (a store
   * put back from a backup is the exception, and its overdue runs are the sweeper's, which
   * replaces kept jobs). Wake-ups asked for in the same turn of the event loop are queued
   * in one round trip, runs due together in a batch job (wake-up-coalescer.ts); it
   * resolves once this one is in Redis.
   */
  addNextStep(runId: string, seq: number, delayMs: number): Promise<void>;
  /**
   * Like addStep, but a job of that id already delayed is moved to the new delay (demo
   * mode rescaled the run's wake-up: src/jobs/rescale-waits.ts). A run whose wake-up is in
   * a batch job gets a job of its own too; the batch then finds it stale or wakes it
   * early, when it only schedules itself again (interpreter.ts: woken early), unless its
   * goal or exit condition has been met meanwhile, which any wake-up acts on.
   */
  moveStep(runId: string, seq: number, delayMs: number): Promise<void>;
  addDelivery(messageId: string): Promise<void>;
  /** A delivery whose first attempt (made by the job that created the message) failed: after the first backoff delay. */
  retryDelivery(messageId: string): Promise<void>;
  /** Queues the message's delivery for when the send policy allows it (a job of its own per time). */
  postponeDelivery(messageId: string, notBefore: number, delayMs: number): Promise<void>;
  /** Brings a reply to a run (processed at whatever seq the run is then at). */
  addReply(runId: string, seq: number, interactionId: string, at: number): Promise<void>;
  addInbound(inboundId: string): Promise<void>;
  /** Brings an event to a run waiting for one (processed at whatever seq the run is then at). */
  addEventInput(
    runId: string,
    seq: number,
    event: { eventType: string; eventId: string; at: number },
  ): Promise<void>;
  /**
   * Queues a broadcast's job. The store says whether a broadcast is finished, so a job of
   * that id left completed or failed in Redis is replaced (the sweeper relies on this).
   */
  addBroadcast(broadcastId: string): Promise<void>;
  /**
   * Queues the first step of runs a broadcast page created, in one round trip: in batch
   * jobs of FIRST_STEPS_PER_BATCH runs (a run alone: a step job).
   */
  addFirstSteps(runIds: readonly string[]): Promise<void>;
  /**
   * Queues the wake-ups of runs the promoter found coming within the horizon, in one round
   * trip: runs due together share a batch job (wake-batches.ts).
   */
  addWakeUps(wakes: readonly WakeUp[]): Promise<void>;
  close(): Promise<void>;
}

export type { WakeUp };

/**
 * Runs per batch job of a broadcast page's first steps: a job costs several times what a
 * step does (wake-batches.ts), and a page of 500 still makes ten jobs, so several step
 * workers take part in it.
 */
export const FIRST_STEPS_PER_BATCH = 50;

export interface QueueOptions {
  /** Attempts of one delivery job before it is left to the sweeper (default 10). */
  deliveryAttempts?: number;
}

export function createQueues(
  connection: Redis,
  /** RAPPORT_QUEUE_PREFIX as set; each queue's keys go under its hash tag (bull-prefix.ts). */
  prefix: string,
  retryBaseMs = 5000,
  queueOptions: QueueOptions = {},
): Queues {
  const options = defaultJobOptions(retryBaseMs, queueOptions.deliveryAttempts);
  const make = <T>(name: keyof typeof QUEUE_NAMES) =>
    new Queue<T>(QUEUE_NAMES[name], {
      connection,
      prefix: bullPrefix(prefix, QUEUE_NAMES[name]),
      defaultJobOptions: options[name],
    });
  const events = make<EventJob>("events");
  const steps = make<StepJob | WakeBatchJob>("steps");
  const deliveries = make<DeliveryJob>("deliveries");
  const inbound = make<InboundJob>("inbound");
  const broadcasts = make<BroadcastJob>("broadcasts");
  const requeuers: Requeuers = {
    event: (eventId) => requeue(events, "event", { eventId }, { jobId: jobIds.event(eventId) }),
    step: (runId, seq) => stepAt(runId, seq, 0),
    delivery: (messageId) =>
      requeue(deliveries, "deliver", { messageId }, { jobId: jobIds.delivery(messageId) }),
    inbound: (inboundId) => requeue(inbound, "inbound", { inboundId }, { jobId: jobIds.inbound(inboundId) }),
    broadcast: (broadcastId) =>
      requeue(broadcasts, "broadcast", { broadcastId }, { jobId: jobIds.broadcast(broadcastId) }),
  };
  async function stepAt(runId: string, seq: number, delayMs: number): Promise<RequeueResult> {
    const jobId = jobIds.step(runId, seq);
    const result = await requeue(steps, "step", { runId, seq }, { jobId, delay: Math.max(0, delayMs) });
    // Due now, but the job of that id is still delayed (its delay was computed on another
    // clock, or the store says so after a restart): the store is the truth, so run it now.
    if (!result.added && result.state === "delayed" && delayMs <= 0) {
      await (await steps.getJob(jobId))?.promote().catch(() => {});
    }
    return result;
  }
  async function addWakeUps(wakes: readonly WakeUp[], maxSize?: number): Promise<void> {
    if (wakes.length === 0) return;
    const { single, batches } = groupWakeUps(wakes, maxSize);
    const stepJob = ({ runId, seq, delayMs }: WakeUp) => ({
      name: "step",
      data: { runId, seq },
      opts: { jobId: jobIds.step(runId, seq), delay: Math.max(0, delayMs) },
    });
    const [alone] = single;
    // One wake-up: a plain add (one script), not a bulk add (a MULTI around it).
    if (alone && single.length === 1 && batches.length === 0) {
      const job = stepJob(alone);
      await steps.add(job.name, job.data, job.opts);
      return;
    }
    // A plain bulk add, not requeue: a job of the same id still kept means one already
    // waits (BullMQ ignores the add) or, if it finished, the run moved past that seq
    // (a step job that completes or fails for good always moves or fails its run). The
    // exception, a failed job whose run could not be marked failed, is the sweeper's
    // once the run is overdue, as it is today. A batch's id names its contents. A batch
    // that completed is not kept: each of its runs' steps is in the store's history, and
    // kept batches (a broadcast makes one per 50 runs) would cost Redis bytes per run for an
    // hour. One that failed is kept, like any failed job.
    await steps.addBulk([
      ...single.map(stepJob),
      ...batches.map((batch) => ({
        name: WAKE_BATCH_JOB,
        data: { wakes: batch.wakes },
        opts: { jobId: wakeBatchJobId(batch), delay: Math.max(0, batch.delayMs), removeOnComplete: true },
      })),
    ]);
  }
  const nextSteps = coalesceWakeUps(addWakeUps);
  return {
    events,
    steps,
    deliveries,
    inbound,
    broadcasts,
    requeue: requeuers,
    async addEvent(eventId) {
      await requeuers.event(eventId);
    },
    async addNewEvent(eventId) {
      await events.add("event", { eventId }, { jobId: jobIds.event(eventId) });
    },
    async addStep(runId, seq, delayMs = 0) {
      await stepAt(runId, seq, delayMs);
    },
    addNextStep(runId, seq, delayMs) {
      return nextSteps.add({ runId, seq, delayMs });
    },
    async moveStep(runId, seq, delayMs) {
      const result = await stepAt(runId, seq, delayMs);
      if (!result.added && result.state === "delayed" && delayMs > 0)
        // Gone or started meanwhile: it looks at the store anyway.
        await (await steps.getJob(jobIds.step(runId, seq)))?.changeDelay(delayMs).catch(() => {});
    },
    async addDelivery(messageId) {
      await requeuers.delivery(messageId);
    },
    async retryDelivery(messageId) {
      await requeue(
        deliveries,
        "deliver",
        { messageId },
        { jobId: jobIds.delivery(messageId), delay: retryBaseMs },
      );
    },
    async postponeDelivery(messageId, notBefore, delayMs) {
      // Its own id: the job that postpones is still active under the plain delivery id.
      await requeue(
        deliveries,
        "deliver",
        { messageId },
        { jobId: `${jobIds.delivery(messageId)}-at-${notBefore}`, delay: Math.max(0, delayMs) },
      );
    },
    async addReply(runId, seq, interactionId, at) {
      await requeue(
        steps,
        "reply",
        { runId, seq, reply: { interactionId, at } },
        { jobId: jobIds.reply(runId, interactionId) },
      );
    },
    async addEventInput(runId, seq, event) {
      await requeue(
        steps,
        "event",
        { runId, seq, event },
        { jobId: jobIds.eventInput(runId, event.eventId) },
      );
    },
    async addInbound(inboundId) {
      await requeuers.inbound(inboundId);
    },
    async addBroadcast(broadcastId) {
      await requeuers.broadcast(broadcastId);
    },
    async addFirstSteps(runIds) {
      // Runs a broadcast page has just created: no job can exist for them yet, so a plain
      // bulk add (one round trip for the page) is safe here. Due now, together: batches
      // small enough that the steps workers (of every process) share a page.
      await addWakeUps(
        runIds.map((runId) => ({ runId, seq: 0, delayMs: 0 })),
        FIRST_STEPS_PER_BATCH,
      );
    },
    addWakeUps: (wakes) => addWakeUps(wakes),
    async close() {
      // With Redis away the writes wait for it; the wake-ups left behind are the sweeper's.
      await settlesBy(nextSteps.drain(), Date.now() + BULLMQ_CLOSE_MS);
      await Promise.all([
        events.close(),
        steps.close(),
        deliveries.close(),
        inbound.close(),
        broadcasts.close(),
      ]);
    },
  };
}
