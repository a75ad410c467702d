/**
 * The store is the truth; queue jobs only say "look now". The sweeper re-adds jobs for
 * work the store says is due but nobody has touched for a while: an event stored while
 * Redis was away, a wake-up lost with a Redis that kept nothing, a message whose sender
 * was killed mid-claim. Re-adding is always safe (see queues.ts), so several processes
 * may sweep at once.
 */
import type { JobDeps } from "./deps.js";

export interface SweepCounts {
  events: number;
  runs: number;
  messages: number;
  inbound: number;
  broadcasts: number;
}

export async function sweepOnce(
  deps: Pick<JobDeps, "store" | "queues" | "clock">,
  graceMs: number,
  limit = 500,
): Promise<SweepCounts> {
  const now = deps.clock.now();
  const before = now - graceMs;
  const events = await deps.store.listStrandedEvents(before, limit);
  for (const id of events) await deps.queues.addEvent(id);
  const runs = await deps.store.listDueRuns(before, before, limit);
  for (const run of runs) await deps.queues.addStep(run.id, run.seq);
  const messages = await deps.store.listStrandedMessages(now, before, limit);
  for (const id of messages) await deps.queues.addDelivery(id);
  const inbound = await deps.store.listStrandedInbound(before, limit);
  for (const id of inbound) await deps.queues.addInbound(id);
  // Broadcasts left queued or running (a page is written at least every few seconds while one runs).
  const broadcasts = await deps.store.listStrandedBroadcasts(before, limit);
  for (const id of broadcasts) await deps.queues.addBroadcast(id);
  return {
    events: events.length,
    runs: runs.length,
    messages: messages.length,
    inbound: inbound.length,
    broadcasts: broadcasts.length,
  };
}

export function startSweeper(
  deps: Pick<JobDeps, "store" | "queues" | "clock" | "logger">,
  intervalMs: number,
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = sweepOnce(deps, intervalMs)
      .then((counts) => {
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
