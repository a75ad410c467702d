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
 * after the I/O of its own loop turn (setImmediate), and when it comes due much later than
 * asked (by more than `lateMs`), it waits `graceMs` more, once, for what arrived meanwhile.
 */
import { performance } from "node:perf_hooks";

export interface DeadlineOptions {
  /** How late a timer may fire before the process counts as having been stopped. */
  lateMs?: number;
  /** Extra time given, once, after a stop, for the I/O that arrived meanwhile. */
  graceMs?: number;
}

export function setDeadline(ms: number, fire: () => void, opts: DeadlineOptions = {}): () => void {
  const lateMs = opts.lateMs ?? 1000;
  const graceMs = opts.graceMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let done = false;
  const arm = (delay: number, mayGrace: boolean) => {
    const due = performance.now() + delay;
    timer = setTimeout(() => {
      if (done) return;
      if (mayGrace && performance.now() - due > lateMs) return arm(graceMs, false);
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
