/**
 * A deadline timer for I/O that a stopped process must not misjudge.
 *
 * Contract: setDeadline(ms, fire, opts?) calls `fire` once, no sooner than `ms` from now,
 * unless the returned cancel function is called first.
 *
 * Why not a plain setTimeout: Node runs due timers before it reads I/O in each turn of its
 * event loop. A process that was stopped (SIGSTOP, a frozen VM, a long GC or a blocked loop)
 * wakes with its deadline due and the answer it was waiting for (an SMTP server's 250, a
 * thread's reply) already in a socket or message queue; a plain timer would call a send
 * that has finished unfinished, and a retry would send it twice. So the deadline fires only
 * after the I/O of its own loop turn (setImmediate). With `graceMs`, a deadline that comes
 * due much later than asked (by more than `lateMs`) waits that much more, once: for an
 * answer another thread of the process still has to post after the stop, or a server's
 * answer to what the woken process has just finished writing. Without it (the default)
 * nothing new can start in between; `graceUntil` bounds it where work must be over by a
 * given time (a send inside its claim's lease).
 */
import { performance } from "node:perf_hooks";

export interface DeadlineOptions {
  /** How late a timer may fire before the process counts as having been stopped. */
  lateMs?: number;
  /** Extra time given, once, after a stop, for an answer still to come (default 0: none). */
  graceMs?: number;
  /**
   * Wall-clock time (Date.now()) the grace must not reach past: a grace is cut to end by
   * then, and none is given from then on (default: no bound).
   */
  graceUntil?: number;
}

export function setDeadline(ms: number, fire: () => void, opts: DeadlineOptions = {}): () => void {
  const lateMs = opts.lateMs ?? 1000;
  const graceMs = opts.graceMs ?? 0;
  const graceUntil = opts.graceUntil ?? Number.POSITIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let done = false;
  const arm = (delay: number, mayGrace: boolean) => {
    const due = performance.now() + delay;
    timer = setTimeout(() => {
      if (done) return;
      const grace = Math.min(graceMs, graceUntil - Date.now());
      if (mayGrace && grace > 0 && performance.now() - due > lateMs) return arm(grace, false);
      immediate = setImmediate(() => {
        if (done) return;
        done = true;
        fire();
      });
    }, delay);
  };
  arm(Math.max(0, ms), true);
  return () => {
    done = true;
    clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
}
