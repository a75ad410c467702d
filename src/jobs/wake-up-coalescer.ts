/**
 * The next wake-ups of runs advanced at about the same time, queued together: what the
 * steps worker's concurrent jobs ask for within one turn of the event loop goes to Redis in
 * one round trip, and runs due within a second of each other share a batch job
 * (wake-batches.ts) instead of a job each. The store's group commit hands many advances
 * back at once, so under load a turn holds several; alone, a wake-up is a plain step job
 * as before.
 *
 * Why: a BullMQ job costs several times what waking a run costs in the store (moved to
 * active, locked, completed, its events written), so a step that is one job of its own
 * costs rapport about twice what the step itself does (npm run bench: steps).
 *
 * Nothing is lost or moved earlier by it: each `add` resolves only when its wake-up is in
 * Redis and rejects if the round trip fails (the caller's job then fails as a plain add's
 * would), and a batch is due at its last wake-up, so a run wakes at most the batch spread
 * (1 s) late, never early. Pure of I/O itself: the write is the `write` it is given.
 */
import type { WakeUp } from "./wake-batches.js";

export interface WakeUpCoalescer {
  /** Resolves once this wake-up (with those of the same turn) is queued. */
  add(wake: WakeUp): Promise<void>;
  /** Queues what is pending now and waits for every write still in flight (before closing the queues). */
  drain(): Promise<void>;
}

/** Most wake-ups in one write: a turn holding more writes them in several. */
export const COALESCE_MAX = 250;

export function coalesceWakeUps(
  write: (wakes: WakeUp[]) => Promise<void>,
  maxSize = COALESCE_MAX,
): WakeUpCoalescer {
  let pending: Array<{ wake: WakeUp; ok: () => void; fail: (err: unknown) => void }> = [];
  let scheduled = false;
  const inFlight = new Set<Promise<void>>();
  const flush = () => {
    scheduled = false;
    const taken = pending;
    pending = [];
    if (taken.length === 0) return;
    const written = write(taken.map((t) => t.wake)).then(
      () => {
        for (const t of taken) t.ok();
      },
      (err: unknown) => {
        for (const t of taken) t.fail(err);
      },
    );
    inFlight.add(written);
    void written.finally(() => inFlight.delete(written));
  };
  return {
    add(wake) {
      return new Promise<void>((ok, fail) => {
        pending.push({ wake, ok, fail });
        if (pending.length >= maxSize) flush();
        else if (!scheduled) {
          scheduled = true;
          // After the I/O callbacks of this turn: the advances committed together are all in.
          setImmediate(flush);
        }
      });
    },
    async drain() {
      flush();
      await Promise.all(inFlight);
    },
  };
}
