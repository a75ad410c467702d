/**
 * Wake-up batches: the promoter's wake-ups, and those the steps worker asks for together
 * (wake-up-coalescer.ts), grouped so that many runs falling due together
 * cost one BullMQ job, not one each. A job's own cost (moved to active, locked, completed,
 * its events written: a few Redis scripts and a hash) is several times what waking a run
 * costs in the store, so 100,000 birthday notes due at 9:00 would otherwise wait for
 * 100,000 jobs' worth of queue work before the last of them ran (issue 9: wake-up lag).
 *
 * A batch holds wake-ups whose delays lie within `spreadMs` of its first, at most
 * `maxSize` of them, and is due at its LAST wake-up: no run in it is woken early (a run
 * woken early only reschedules itself, but that is work for nothing). A wake-up alone in
 * its batch stays a plain step job, so its id is the run's own (jobIds.step) and demo
 * mode's rescale still finds it. Pure: no I/O, no clock.
 */
import { createHash } from "node:crypto";

export interface WakeUp {
  runId: string;
  seq: number;
  /** Due in this many ms (0 or less: now). */
  delayMs: number;
}

export interface WakeBatch {
  wakes: Array<{ runId: string; seq: number }>;
  /** When the last of them is due. */
  delayMs: number;
}

/** Most runs in one batch job: a batch takes one slot of the steps worker while it runs. */
export const WAKE_BATCH_MAX = 250;
/** Most time between a batch's first and last wake-up: the most a run waits for its batch. */
export const WAKE_BATCH_SPREAD_MS = 1000;

/** Groups wake-ups (in any order) into single wake-ups and batches of two or more. */
export function groupWakeUps(
  wakes: readonly WakeUp[],
  maxSize = WAKE_BATCH_MAX,
  spreadMs = WAKE_BATCH_SPREAD_MS,
): { single: WakeUp[]; batches: WakeBatch[] } {
  const sorted = [...wakes].sort((a, b) => a.delayMs - b.delayMs || (a.runId < b.runId ? -1 : 1));
  const groups: WakeUp[][] = [];
  let group: WakeUp[] = [];
  for (const wake of sorted) {
    const first = group[0];
    if (first && (group.length >= maxSize || wake.delayMs - first.delayMs > spreadMs)) {
      groups.push(group);
      group = [];
    }
    group.push(wake);
  }
  if (group.length > 0) groups.push(group);
  const single: WakeUp[] = [];
  const batches: WakeBatch[] = [];
  for (const g of groups) {
    const last = g.at(-1) as WakeUp;
    if (g.length === 1) single.push(last);
    else batches.push({ wakes: g.map(({ runId, seq }) => ({ runId, seq })), delayMs: last.delayMs });
  }
  return { single, batches };
}

/**
 * A batch's job id, from what it holds: the promoter adding the same page again (after a
 * crash before it moved its watermark) adds nothing twice while the first is queued (a
 * completed batch is not kept: one added again finds its runs moved on), and a batch
 * holding other runs is never mistaken for this one (BullMQ would ignore its add, and
 * those runs would wait for the sweeper).
 */
export function wakeBatchJobId(batch: Pick<WakeBatch, "wakes">): string {
  const hash = createHash("sha256");
  for (const w of batch.wakes) hash.update(`${w.runId}\u0000${w.seq}\u0000`);
  return `wakes-${hash.digest("hex").slice(0, 40)}`;
}
