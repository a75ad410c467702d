/**
 * requeue: the one way work is put on a queue.
 *
 * Contract: after `requeue` resolves, a job with `opts.jobId` is waiting, delayed or
 * running (or has just finished), and never two of them. Job ids are deterministic (see
 * queues.ts) and BullMQ ignores add() for an id it still keeps, so a completed or failed
 * job of that id (kept for hours or days) is removed first; without this, work whose
 * earlier job used up its attempts could never be queued again (issue 8: 7-day
 * stranding). A job that is waiting, delayed or active is left alone: it will look at
 * the row anyway, and an active one is locked (removing it would throw).
 *
 * Races: between reading the state and removing, another requeue may remove and re-add
 * the same id; the remove is refused for a locked (active) job and the add is a no-op for
 * a kept one, so two requeues at once leave one job. The worst case is a job that
 * finished a moment earlier running once more, which every processor treats as a no-op
 * (the store is the truth).
 */
import type { JobState, JobsOptions, Queue } from "bullmq";

export type RequeueResult =
  /** A new job was added (none existed, or a finished one was removed first). */
  | { added: true }
  /** A job of that id is already waiting, delayed, active or otherwise pending. */
  | { added: false; state: JobState };

export async function requeue<T>(
  queue: Queue<T>,
  name: string,
  data: T,
  opts: JobsOptions & { jobId: string },
): Promise<RequeueResult> {
  const state = await queue.getJobState(opts.jobId);
  if (state === "completed" || state === "failed") {
    // 0: locked, i.e. someone re-added it meanwhile and a worker has already taken it.
    if ((await queue.remove(opts.jobId)) !== 1) return { added: false, state: "active" };
  } else if (state !== "unknown") {
    return { added: false, state };
  }
  // BullMQ's name and data types are conditional on T, which TypeScript cannot resolve
  // inside a generic; the caller's Queue<T> already ties `data` to the queue.
  await queue.add(name as never, data as never, opts);
  return { added: true };
}
