/**
 * Exhausted means failed, visibly: what happens when a job's last attempt fails.
 *
 * Contract: `onJobFailed(queue, job, err, deps, opts)` is called by the workers for every
 * failed attempt; it acts only on the last one (attempts used up, or an
 * UnrecoverableError) and then marks the job's row in the store, logging it once at
 * error level with the id and the reason:
 *   events     → the event failed with the reason;
 *   inbound    → the inbound message failed with the reason, on the timeline of the
 *                customer its envelope names (a signed reply address, else the sender);
 *   steps      → the run failed with the reason (a reply or event brought to a run is
 *                logged: the run carries on from its own state; so is a wake-up batch,
 *                whose runs wait in the store for the sweeper);
 *   broadcasts → the broadcast failed;
 *   deliveries → a transient failure is not the end: the message stays queued with a
 *                not-before time (backoff: a quarter of its age, between the retry base and
 *                an hour) and the sweeper tries it again then, until `sendGiveUpMs` after
 *                it was created, when it is failed for good. A permanent failure
 *                (UnrecoverableError) was already written to the row by process-delivery.
 * Each mark only changes a row still in the state the job left it in, so the sweeper
 * never loops on failed rows and a row finished meanwhile keeps its outcome.
 */
import type { Job } from "bullmq";
import { attribute } from "../mail/attribute.js";
import type { JobDeps } from "./deps.js";
import { type QUEUE_NAMES, WAKE_BATCH_JOB } from "./queues.js";

export type QueueName = keyof typeof QUEUE_NAMES;

export interface ExhaustedOptions {
  /** RAPPORT_RETRY_BASE_MS: the shortest backoff between the sweeper's delivery retries. */
  retryBaseMs: number;
}

const HOUR = 3600_000;

/** True on the last failed attempt of a job: no retry follows. */
export function isExhausted(
  job: { attemptsMade: number; opts: { attempts?: number } },
  err: { name?: string },
): boolean {
  return err.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
}

/**
 * How long a message has been trying to go out: since it was written, or since `rapport
 * retry` brought it back by hand (a retry after the give-up time gets a full new one).
 */
export function sendingFor(message: { createdAt: number; retriedAt: number | null }, now: number): number {
  return Math.max(0, now - Math.max(message.createdAt, message.retriedAt ?? 0));
}

/** When the sweeper may try a message again whose delivery job used up its attempts. */
export function deliveryRetryAt(now: number, createdAt: number, retryBaseMs: number): number {
  const age = Math.max(0, now - createdAt);
  return now + Math.min(HOUR, Math.max(retryBaseMs, Math.round(age / 4)));
}

const text = (v: unknown) => (typeof v === "string" ? v : "");

export async function onJobFailed(
  queue: QueueName,
  job: Job,
  err: Error,
  deps: Pick<JobDeps, "store" | "clock" | "logger" | "addresses" | "sendGiveUpMs">,
  opts: ExhaustedOptions,
): Promise<void> {
  if (!isExhausted(job, err)) return;
  const { store, clock, logger } = deps;
  const attempts = job.attemptsMade;
  const reason = `${err.message || err.name} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`.slice(
    0,
    2000,
  );
  const data = job.data as Record<string, unknown>;
  const now = clock.now();
  switch (queue) {
    case "events": {
      const eventId = text(data.eventId);
      if (await store.failEvent(eventId, reason, now)) logger.error({ eventId, reason }, "event failed");
      return;
    }
    case "inbound": {
      const inboundId = text(data.inboundId);
      const customerId = await inboundCustomer(inboundId, deps);
      // A row the job failed itself (too large) is still given its customer, and logged here.
      if (await store.failInbound(inboundId, reason, customerId, now))
        logger.error({ inboundId, customerId, reason }, "inbound mail failed: it could not be understood");
      return;
    }
    case "steps": {
      if (job.name === WAKE_BATCH_JOB) {
        // Its runs are not broken: each still waits in the store, overdue, for the sweeper.
        const runs = Array.isArray(data.wakes) ? data.wakes.length : 0;
        logger.error({ jobId: job.id, runs, reason }, "a wake-up batch failed; the sweeper wakes its runs");
        return;
      }
      const runId = text(data.runId);
      if (job.name === "step") {
        if (await store.failRun(runId, reason, now)) logger.error({ runId, reason }, "run failed");
      } else {
        // A reply or event brought to a run: the run itself is not broken, nor stuck.
        logger.error(
          { runId, jobId: job.id, kind: job.name, reason },
          "could not bring a reply or event to a run",
        );
      }
      return;
    }
    case "broadcasts": {
      const broadcastId = text(data.broadcastId);
      const b = await store.getBroadcast(broadcastId);
      if (b && (b.status === "queued" || b.status === "running")) {
        await store.markBroadcastFailed(broadcastId, reason, now);
        logger.error({ broadcastId, reason }, "broadcast failed");
      }
      return;
    }
    case "deliveries":
      return deliveryExhausted(text(data.messageId), err, reason, deps, opts);
    default: {
      const never: never = queue;
      throw new Error(`unknown queue ${String(never)}`);
    }
  }
}

async function deliveryExhausted(
  messageId: string,
  err: Error,
  reason: string,
  deps: Pick<JobDeps, "store" | "clock" | "logger" | "sendGiveUpMs">,
  opts: ExhaustedOptions,
): Promise<void> {
  const { store, clock, logger } = deps;
  const message = await store.getMessage(messageId);
  if (!message) return;
  if (err.name === "UnrecoverableError") {
    // process-delivery wrote the failure to the row; the error-level line is ours.
    if (message.status === "failed")
      logger.error({ messageId, reason: message.error ?? reason }, "message failed");
    return;
  }
  // Only a message given back (queued): one sent, suppressed or failed meanwhile keeps its
  // outcome, and one another attempt holds ('sending') is left to that attempt and its lease.
  if (message.status !== "queued") return;
  const now = clock.now();
  if (sendingFor(message, now) >= deps.sendGiveUpMs) {
    const hours = Math.round(sendingFor(message, now) / HOUR);
    const why = `gave up after ${hours} h: ${reason}`;
    await store.failMessage(messageId, why, now);
    logger.error({ messageId, reason: why }, "message failed");
    return;
  }
  const at = deliveryRetryAt(now, Math.max(message.createdAt, message.retriedAt ?? 0), opts.retryBaseMs);
  if (await store.deferMessage(messageId, at, `retrying from ${new Date(at).toISOString()}: ${reason}`, now))
    logger.warn(
      { messageId, retryAt: new Date(at).toISOString(), reason },
      "delivery attempts used up; the sweeper tries again later",
    );
}

/**
 * The customer an inbound message that could not be understood is about, from what
 * needs no parsing: a signed reply or owner-only address among the envelope recipients,
 * else the envelope sender's address.
 */
async function inboundCustomer(
  inboundId: string,
  deps: Pick<JobDeps, "store" | "addresses">,
): Promise<string | null> {
  const row = await deps.store.getInbound(inboundId);
  if (!row) return null;
  const who = await attribute(
    {
      recipients: row.envelopeTo,
      inReplyTo: [],
      references: [],
      from: row.envelopeFrom,
      originalMessageId: null,
      failedRecipient: null,
      isReport: false,
    },
    deps.addresses,
    deps.store,
  );
  return who.customerId;
}
