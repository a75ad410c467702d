/**
 * First sends in a bounded concurrency of their own. The events and steps jobs write a
 * message and hand its first send here, then return: their worker slots ingest events
 * and advance runs, and never wait on an SMTP server (which may stall for as long as
 * the send deadline).
 *
 * Contract: submit(id) starts the task now if fewer than `concurrency` run, else keeps
 * it waiting (at most `maxWaiting`); it returns false when the pool is full or closed,
 * and the caller hands the message to the deliveries queue instead. Nothing here is
 * durable: a message submitted and lost with the process is still 'queued' in the
 * store, and the sweeper queues it. close() stops taking work, forgets what waits (the
 * sweeper has it) and resolves when the running tasks have ended.
 */
import type { ClaimOptions } from "../store/store.js";

export interface SendPool {
  submit(messageId: string, opts?: ClaimOptions): boolean;
  /** Running and waiting tasks (for logs, tests and metrics). */
  size(): { running: number; waiting: number };
  /** The messages whose task runs now (a shutdown names those it abandons). */
  running(): string[];
  /** Resolves when nothing runs and nothing waits. */
  idle(): Promise<void>;
  close(): Promise<number>;
}

export interface SendPoolOptions {
  concurrency: number;
  maxWaiting: number;
  /** Must not reject (the pool logs nothing itself); failures are the task's to handle. */
  run: (messageId: string, opts: ClaimOptions) => Promise<void>;
}

export function createSendPool(opts: SendPoolOptions): SendPool {
  const waiting: Array<{ id: string; opts: ClaimOptions }> = [];
  // Message ids of the running tasks (an id may run twice: the claim keeps that safe).
  const active: string[] = [];
  let running = 0;
  let closed = false;
  let idleWaiters: Array<() => void> = [];
  const settleIdle = () => {
    if (running > 0 || waiting.length > 0) return;
    const w = idleWaiters;
    idleWaiters = [];
    for (const ok of w) ok();
  };
  const start = (id: string, claim: ClaimOptions) => {
    running++;
    active.push(id);
    opts
      .run(id, claim)
      .catch(() => {})
      .finally(() => {
        running--;
        active.splice(active.indexOf(id), 1);
        const next = closed ? undefined : waiting.shift();
        if (next !== undefined) start(next.id, next.opts);
        settleIdle();
      });
  };
  return {
    submit(id, claim = {}) {
      if (closed) return false;
      if (running < opts.concurrency) {
        start(id, claim);
        return true;
      }
      if (waiting.length >= opts.maxWaiting) return false;
      waiting.push({ id, opts: claim });
      return true;
    },
    size: () => ({ running, waiting: waiting.length }),
    running: () => [...active],
    idle: () =>
      running === 0 && waiting.length === 0
        ? Promise.resolve()
        : new Promise<void>((ok) => idleWaiters.push(ok)),
    async close() {
      closed = true;
      const forgotten = waiting.splice(0).length;
      await new Promise<void>((ok) => {
        idleWaiters.push(ok);
        settleIdle();
      });
      return forgotten;
    },
  };
}
