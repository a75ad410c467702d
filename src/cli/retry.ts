/**
 * `rapport retry`: brings failed work back by hand. Messages (by id, or every failed one
 * with --failed) go back to queued with any retry backoff cleared; with --kind, failed
 * events or inbound mail go back to received. Each is then queued at once when the
 * queue's Redis is at hand (REDIS_URL, or the embedded one's socket under the data
 * dir), else the running rapport's sweeper queues it within RAPPORT_SWEEP_INTERVAL_MS.
 *
 * A message past its give-up time (RAPPORT_SEND_GIVE_UP_MS) gets its delivery job's
 * attempts again; should they fail too, it is failed again.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { storeLocation } from "../config/database.js";
import type { Settings } from "../config/settings.js";
import type { Requeuers } from "../jobs/queues.js";
import type { FailedKind, Store } from "../store/store.js";

export type RetryKind = FailedKind | "all";
export const RETRY_KINDS: readonly RetryKind[] = ["messages", "events", "inbound", "all"];

export interface RetryRequest {
  /** Ids to bring back (of `kind`; messages by default). */
  ids: readonly string[];
  /** Every failed row of `kind`, besides any ids. */
  failed: boolean;
  kind: RetryKind;
  /** At most this many rows per kind with --failed. */
  limit: number;
}

export interface RetryOutcome {
  kind: FailedKind;
  /** Rows put back (ids given that were not failed, or not found, are left out). */
  reset: string[];
  /** Jobs really added now (0 when no Redis was at hand: the sweeper queues them). */
  queued: number;
}

export function parseRetryKind(text: string): RetryKind {
  const kind = RETRY_KINDS.find((k) => k === text);
  if (!kind) throw new Error(`--kind: expected one of ${RETRY_KINDS.join(", ")}, found "${text}"`);
  return kind;
}

export async function retryFailed(
  req: RetryRequest,
  deps: { store: Store; requeue: Requeuers | null; now: number },
): Promise<RetryOutcome[]> {
  if (req.ids.length === 0 && !req.failed)
    throw new Error("name the messages to retry (rapport retry MESSAGE_ID…) or give --failed");
  if (req.ids.length > 0 && req.kind === "all")
    throw new Error("--kind all goes with --failed only: ids are of one kind");
  const kinds: FailedKind[] = req.kind === "all" ? ["messages", "events", "inbound"] : [req.kind];
  const out: RetryOutcome[] = [];
  for (const kind of kinds) {
    const ids = new Set(req.ids);
    if (req.failed) for (const id of await deps.store.listFailed(kind, req.limit)) ids.add(id);
    const reset = await deps.store.resetFailed(kind, [...ids], deps.now);
    let queued = 0;
    if (deps.requeue) {
      const add = {
        messages: deps.requeue.delivery,
        events: deps.requeue.event,
        inbound: deps.requeue.inbound,
      }[kind];
      for (const id of reset) if ((await add(id)).added) queued++;
    }
    out.push({ kind, reset, queued });
  }
  return out;
}

/** The command: the store and (if reachable) the queues from the settings. */
export async function retryCommand(req: RetryRequest, settings: Settings): Promise<RetryOutcome[]> {
  const { openStore } = await import("../store/open-store.js");
  const store = await openStore(storeLocation(settings));
  const socket = join(resolve(settings.RAPPORT_DATA_DIR), "redis", "redis.sock");
  const target = settings.REDIS_URL ?? (existsSync(socket) ? socket : null);
  let close = async () => {};
  let requeue: Requeuers | null = null;
  if (target) {
    const { connectRedis } = await import("../infra/redis.js");
    const { createQueues } = await import("../jobs/queues.js");
    // Fail fast rather than wait for a Redis that is away: the sweeper is the fallback.
    const connection = connectRedis(target, { maxRetriesPerRequest: 1, connectTimeout: 3000 });
    const queues = createQueues(connection, settings.RAPPORT_QUEUE_PREFIX, settings.RAPPORT_RETRY_BASE_MS, {
      deliveryAttempts: settings.RAPPORT_DELIVERY_ATTEMPTS,
    });
    requeue = queues.requeue;
    close = async () => {
      await queues.close().catch(() => {});
      await connection.quit().catch(() => connection.disconnect());
    };
  }
  try {
    return await retryFailed(req, { store, requeue, now: Date.now() });
  } finally {
    await close();
    await store.close();
  }
}

export function formatRetry(outcomes: readonly RetryOutcome[], sweepMs: number): string {
  return outcomes
    .map((o) => {
      const head = `${o.kind}: ${o.reset.length} brought back`;
      if (o.reset.length === 0) return head;
      const how =
        o.queued === o.reset.length
          ? "queued now"
          : `${o.queued} queued now, the rest by the running rapport's sweeper within ${sweepMs} ms`;
      return `${head} (${how})\n${o.reset.map((id) => `  ${id}`).join("\n")}`;
    })
    .join("\n");
}
