/**
 * Waiting for SQLite's write lock without stopping the process. The HTTP process and the
 * workers share one database file, and a write waits while another process holds the
 * lock. SQLite's own busy handler waits by sleeping (1, 2, 5, 10 … ms) inside the
 * synchronous call, so the whole event loop stops meanwhile: no request parsed, no Redis
 * reply read. Measured on the registration bench, the HTTP process spent about a third of
 * its time asleep there. Here the attempt is made with the busy timeout at 0; when the
 * lock is taken, the caller yields to the event loop and tries again, up to the
 * connection's own busy timeout, after which SQLite's SQLITE_BUSY error is thrown as it
 * was before.
 */
import type BetterSqlite3 from "better-sqlite3";

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY, …): another connection holds the lock. */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/** The pause before try number `tries` (from 1): the next turn of the event loop first, then 1 ms, up to 4 ms. */
function pause(tries: number): Promise<void> {
  if (tries <= 3) return new Promise((ok) => setImmediate(ok));
  return new Promise((ok) => setTimeout(ok, Math.min(tries - 3, 4)));
}

export interface LockAttempts {
  /**
   * Runs `attempt` (a statement that takes the write lock: BEGIN IMMEDIATE, or one
   * autocommit write) until it does not fail for a busy database, yielding in between.
   * `attempt` must change nothing when it fails busy; both of those do not.
   */
  retryBusy<T>(attempt: () => T): Promise<T>;
}

export function lockAttempts(sqlite: BetterSqlite3.Database, now: () => number = Date.now): LockAttempts {
  // The connection's busy timeout as opened (db.ts: 5 s): the longest a write waits.
  const waitMs = Math.max(0, Math.floor(Number(sqlite.pragma("busy_timeout", { simple: true }))));
  // Not prepared once: SQLite applies this pragma when the statement is compiled, not when it
  // runs, so a kept statement would set nothing the second time (about 3 µs each way).
  const once = <T>(attempt: () => T): T => {
    sqlite.pragma("busy_timeout = 0");
    try {
      return attempt();
    } finally {
      sqlite.pragma(`busy_timeout = ${waitMs}`);
    }
  };
  return {
    async retryBusy(attempt) {
      const deadline = now() + waitMs;
      for (let tries = 1; ; tries++) {
        try {
          return once(attempt);
        } catch (err) {
          if (!isBusy(err) || now() >= deadline) throw err;
        }
        await pause(tries);
      }
    },
  };
}
