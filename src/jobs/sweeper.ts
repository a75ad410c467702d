/**
 * The store is the truth; queue jobs only say "look now". The sweeper re-queues work
 * the store says is due but nobody has touched for a while: an event stored while
 * Redis was away, a wake-up lost with a Redis that kept nothing, a message whose sender
 * was killed mid-claim, a delivery whose attempts ran out and whose retry time has come.
 * Re-queueing is always safe (see requeue.ts), so several processes may sweep at once.
 *
 * Rows marked failed (events, inbound mail, runs, messages) are never listed: work whose
 * attempts ran out is marked failed by exhausted.ts, and only `rapport retry` brings it
 * back. Deliveries are the exception by design: exhausted.ts gives them back as queued
 * with a not-before time (a backoff), and this sweeper retries them when it has come,
 * until the message's give-up time.
 */
import type { JobDeps } from "./deps.js";
import type { RequeueResult } from "./requeue.js";

export interface SweepCounts {
  events: number;
  runs: number;
  messages: number;
  inbound: number;
  broadcasts: number;
}

/** Requeues each id, counting the jobs really added (not those still waiting or running). */
async function requeueAll<T>(items: readonly T[], add: (item: T) => Promise<RequeueResult>): Promise<number> {
  let added = 0;
  for (const item of items) if ((await add(item)).added) added++;
  return added;
}

export async function sweepOnce(
  deps: Pick<JobDeps, "store" | "queues" | "clock">,
  graceMs: number,
  limit = 500,
): Promise<SweepCounts> {
  const now = deps.clock.now();
  const before = now - graceMs;
  const { requeue } = deps.queues;
  const events = await requeueAll(await deps.store.listStrandedEvents(before, limit), requeue.event);
  const runs = await requeueAll(await deps.store.listDueRuns(before, before, limit), (run) =>
    requeue.step(run.id, run.seq),
  );
  const messages = await requeueAll(
    await deps.store.listStrandedMessages(now, before, limit),
    requeue.delivery,
  );
  const inbound = await requeueAll(await deps.store.listStrandedInbound(before, limit), requeue.inbound);
  // Broadcasts left queued or running (a page is written at least every few seconds while one runs).
  const broadcasts = await requeueAll(
    await deps.store.listStrandedBroadcasts(before, limit),
    requeue.broadcast,
  );
  return { events, runs, messages, inbound, broadcasts };
}

export function startSweeper(
  deps: Pick<JobDeps, "store" | "queues" | "clock" | "logger">,
  intervalMs: number,
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = sweepOnce(deps, intervalMs)
      .then((counts) => {
        // Only jobs really added: work whose job is still waiting or running is not news.
        if (counts.events + counts.runs + counts.messages + counts.inbound + counts.broadcasts > 0)
          deps.logger.info(counts, "sweeper re-queued work");
      })
      .catch((err) => deps.logger.warn({ err }, "sweep failed; will try again"));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
