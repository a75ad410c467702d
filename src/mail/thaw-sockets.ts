/**
 * Socket timeouts that a stopped process (SIGSTOP, a frozen VM) wakes up past.
 *
 * Contract: watchThaw(opts?) starts an unref'd ticker in the calling thread; when a tick
 * comes much later than due (the thread was stopped), it re-arms the idle timeout of every
 * socket of this thread that has one, and returns a stop function.
 *
 * Why: nodemailer's socket timeout is Node's socket.setTimeout, and Node runs due timers
 * before it reads I/O. A sender thread woken from a stop would time out a connection whose
 * server's "250 OK" is already waiting in the socket, call the send failed, and the retry
 * would deliver the message twice. The ticker's timer is due before those sockets' (it
 * ticks more often), so it runs first in the same turn of the loop; re-arming a socket's
 * timeout makes Node find it not yet due, and the answer is read. A server that really
 * went quiet still times out, one timeout later.
 */
import { Socket } from "node:net";
import { performance } from "node:perf_hooks";

interface ThawOptions {
  tickMs?: number;
  /** A tick this late means the thread was stopped. */
  lateMs?: number;
}

/** The thread's open sockets (Node's own list; `_getActiveHandles` has been there since 0.x). */
function activeSockets(): Socket[] {
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  return handles.filter((h): h is Socket => h instanceof Socket);
}

export function watchThaw(opts: ThawOptions = {}): () => void {
  const tickMs = opts.tickMs ?? 200;
  const lateMs = opts.lateMs ?? 1000;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    if (now - last > tickMs + lateMs) {
      for (const socket of activeSockets()) {
        const timeout = socket.timeout;
        if (timeout !== undefined && timeout > 0) socket.setTimeout(timeout);
      }
    }
    last = now;
  }, tickMs);
  ticker.unref();
  return () => clearInterval(ticker);
}
