/**
 * One voice for "Redis is away". Every BullMQ queue and worker, each on its own
 * connection, emits an error on every reconnect attempt: a Redis that goes away made a
 * line per connection per second (thousands a minute). They all report here instead:
 * the first connection error while Redis was up is one warning; while it stays away, a
 * reminder with backoff (30 s, 1 min, 2 min, … at most every 10 min) counting what was
 * held back; when the main connection is ready again, one line saying so. /readyz reads
 * `up()`. Errors that are not about reaching Redis are the caller's to log.
 *
 * Contract: report(err, source) returns true when it took the error (a connection error),
 * false when the caller should log it as before.
 */
import type { Redis } from "ioredis";
import type { Clock } from "./clock.js";
import type { Logger } from "./logger.js";
import { isConnectionError } from "./redis-probe.js";

export interface RedisWatch {
  report(err: unknown, source: string): boolean;
  /** False from the first connection error until the main connection is ready again. */
  up(): boolean;
  close(): void;
}

export interface RedisWatchOptions {
  /** The main (queue) connection: its 'ready' says Redis is back. */
  connection: Redis;
  /** Where Redis is, for the messages (password masked). */
  where: string;
  logger: Logger;
  clock: Clock;
  firstReminderMs?: number;
  maxReminderMs?: number;
}

export function watchRedis(opts: RedisWatchOptions): RedisWatch {
  const first = opts.firstReminderMs ?? 30_000;
  const max = opts.maxReminderMs ?? 600_000;
  let downSince: number | null = null;
  let heldBack = 0;
  let nextReminder = 0;
  let gap = first;

  const onReady = () => {
    if (downSince === null) return;
    const awayMs = opts.clock.now() - downSince;
    opts.logger.info(
      { awayMs, connectionErrors: heldBack },
      `Redis at ${opts.where} is back after ${Math.round(awayMs / 1000)} s; queues resume`,
    );
    downSince = null;
  };
  opts.connection.on("ready", onReady);

  return {
    report(err, source) {
      if (!isConnectionError(err)) return false;
      const reason = err instanceof Error ? err.message : String(err);
      const now = opts.clock.now();
      if (downSince === null) {
        // One connection reconnecting while the main one is fine is not an outage.
        if (opts.connection.status === "ready") {
          opts.logger.debug({ source, err: reason }, "a Redis connection is reconnecting");
          return true;
        }
        downSince = now;
        heldBack = 0;
        gap = first;
        nextReminder = now + gap;
        opts.logger.warn(
          { source, err: reason },
          `lost Redis at ${opts.where}: ${reason}. Queues wait and reconnect with backoff; /readyz answers 503 until it is back (further connection errors are counted, not logged)`,
        );
        return true;
      }
      heldBack++;
      if (now >= nextReminder) {
        gap = Math.min(gap * 2, max);
        nextReminder = now + gap;
        opts.logger.warn(
          { awayMs: now - downSince, connectionErrors: heldBack, err: reason },
          `Redis at ${opts.where} still unreachable after ${Math.round((now - downSince) / 1000)} s (${heldBack} connection errors so far): ${reason}`,
        );
      }
      return true;
    },
    up: () => downSince === null && opts.connection.status === "ready",
    close() {
      opts.connection.off("ready", onReady);
    },
  };
}
