/**
 * broadcasts queue: a flow run for every active owner of a product or category, and for
 * a category's former owners who chose to stay in touch (src/store/broadcast-audience.ts;
 * their run names the disposed ownership, so a flow's `where` can tell them apart with
 * `ownership.status`).
 *
 * The job pages through the audience (the store's cursor, PAGE_SIZE owners at a time).
 * For each page it decides which owners the flow takes (its trigger `where`, on the same
 * facts an event's runs are decided on), writes the page's runs with the cursor after
 * it in ONE transaction, and only then queues the runs' first steps. So:
 * - memory holds one page, whatever the audience's size;
 * - a job killed anywhere resumes at the cursor (BullMQ hands a stalled job to another
 *   worker; the sweeper re-queues a broadcast nobody moves) and creates no run twice;
 * - runs committed but not queued (killed between the two) are started by the sweeper,
 *   which re-queues active runs without a wake-up after its grace period.
 * A worker shutting down stops between pages (see `shouldStop`) and the job continues
 * on the next worker from the cursor.
 */
import { flowMatches } from "../flows/conditions.js";
import { runStart } from "../flows/run-start.js";
import type { BroadcastRow, NewBroadcastRun } from "../store/store.js";
import type { JobDeps } from "./deps.js";
import { type BroadcastJob, FIRST_STEPS_PER_BATCH } from "./queues.js";
import { takeFirstSteps } from "./start-runs.js";
import { triggerFacts } from "./trigger-facts.js";

export const BROADCAST_PAGE_SIZE = 500;
/**
 * Work waiting in Redis above which a broadcast pauses, so the backlog stays short: Redis
 * holds a bounded amount, and no run waits long enough for the sweeper to take it for one
 * without a job (it would queue a second, stale wake-up). A page's first steps go in batch
 * jobs of FIRST_STEPS_PER_BATCH (queues.ts), so the steps queue's waiting jobs are counted
 * as that many steps each (other waiting jobs hold fewer: the bound errs on the short side).
 * The first sends those steps make count too: what the worker's send pool cannot take
 * waits in the deliveries queue, a job per message, when the steps make messages faster
 * than the SMTP connections send them. Counting only the steps let that queue grow with
 * the audience (tens of thousands of jobs for product news to 100,000 owners, and Redis
 * at 40% of a core serving them); with it, runs are made about as fast as mail goes out.
 */
export const BROADCAST_MAX_WAITING_STEPS = 10_000;

/** What waits in Redis for a broadcast's pace (see above): steps, in runs, and first sends. */
async function backlog(queues: JobDeps["queues"]): Promise<number> {
  const [steps, deliveries] = await Promise.all([
    queues.steps.getWaitingCount(),
    queues.deliveries.getWaitingCount(),
  ]);
  return steps * FIRST_STEPS_PER_BATCH + deliveries;
}

export interface BroadcastOptions {
  pageSize?: number;
  maxWaitingSteps?: number;
  /** Asked before each page; true stops the job there (it resumes from the cursor later). */
  shouldStop?: () => boolean;
}

export type BroadcastOutcome = "completed" | "stopped" | "finished" | "missing" | "failed";

export async function processBroadcast(
  data: BroadcastJob,
  deps: Pick<JobDeps, "store" | "queues" | "flows" | "clock" | "logger">,
  opts: BroadcastOptions = {},
): Promise<BroadcastOutcome> {
  const { store, queues, clock } = deps;
  const pageSize = opts.pageSize ?? BROADCAST_PAGE_SIZE;
  const maxWaiting = opts.maxWaitingSteps ?? BROADCAST_MAX_WAITING_STEPS;
  let broadcast: BroadcastRow | null = await store.getBroadcast(data.broadcastId);
  if (!broadcast) {
    deps.logger.warn(
      { broadcastId: data.broadcastId },
      "broadcast job names a broadcast the store does not have",
    );
    return "missing";
  }
  if (broadcast.status === "completed" || broadcast.status === "failed") return "finished";

  const flow = deps.flows.get(broadcast.flowId);
  const event = await store.getEvent(broadcast.eventId);
  if (!flow || !event) {
    const error = flow
      ? `event ${broadcast.eventId} is missing`
      : `flow "${broadcast.flowId}" is not in config/flows`;
    await store.markBroadcastFailed(broadcast.id, error, clock.now());
    deps.logger.error({ broadcastId: broadcast.id, error }, "broadcast failed");
    return "failed";
  }
  if (broadcast.status === "queued") {
    await store.markBroadcastRunning(
      broadcast.id,
      await store.countAudience(broadcast.audience),
      clock.now(),
    );
  }

  // The moment relative dates in the flow's `where` ("30 days ago") count from: the time the
  // broadcast was posted, not the time a page is read, so a broadcast resumed on another
  // worker (or the next day) decides every page on the same bounds.
  const asOf = broadcast.createdAt;
  for (;;) {
    if (opts.shouldStop?.()) return "stopped";
    // Backpressure: the step workers and the senders drain what is queued before more is added.
    while ((await backlog(queues)) > maxWaiting) {
      if (opts.shouldStop?.()) return "stopped";
      await new Promise((r) => setTimeout(r, 200));
    }
    const page = await store.audiencePage(broadcast.audience, broadcast.cursor, pageSize);
    const runs: NewBroadcastRun[] = [];
    let skipped = 0;
    // Runs start now; who matches is decided as of the broadcast (asOf, above).
    const now = clock.now();
    for (const owner of page.owners) {
      const facts = triggerFacts(event, owner);
      if (!flowMatches(flow, facts, asOf)) {
        skipped++;
        continue;
      }
      const cause = { kind: "broadcast", broadcastId: broadcast.id, eventId: event.id } as const;
      const ids = { customerId: owner.customer.id, ownershipId: owner.ownership.id };
      runs.push({ ...runStart(flow, cause, ids, now), customerId: owner.customer.id });
    }
    const outcome = await store.writeBroadcastPage({
      broadcastId: broadcast.id,
      expectedPages: broadcast.pages,
      next: page.next,
      runs,
      skipped,
      done: page.exhausted,
      now: clock.now(),
    });
    if (!outcome.applied) {
      // Another job wrote this page first (two workers on one broadcast): carry on from its cursor.
      if (!outcome.broadcast) return "missing";
      if (outcome.broadcast.status === "completed" || outcome.broadcast.status === "failed")
        return "finished";
      broadcast = outcome.broadcast;
      continue;
    }
    broadcast = outcome.broadcast;
    // Committed first, queued second: a run committed but not queued is the sweeper's.
    await takeFirstSteps(outcome.created, deps, "queued");
    if (page.exhausted) {
      deps.logger.info(
        { broadcastId: broadcast.id, started: broadcast.started, skipped: broadcast.skipped },
        "broadcast completed",
      );
      return "completed";
    }
  }
}
