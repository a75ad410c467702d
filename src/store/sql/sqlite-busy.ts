/**
 * Waiting for another connection's lock without stopping the process. The HTTP process and
 * the workers share one database file, and a write waits while another process holds the
 * write lock. SQLite's own busy handler waits by sleeping (1, 2, 5, 10 … ms) inside the
 * synchronous call, so the whole event loop stops meanwhile: no request parsed, no Redis
 * reply read. Measured on the registration bench, the HTTP process spent about a third of
 * its time asleep there.
 *
 * So the connection runs with SQLite's busy timeout at 0, set once for good: a statement
 * that meets a lock fails at once with SQLITE_BUSY, having changed nothing, and the caller
 * yields to the event loop and tries it again, up to the busy timeout the connection was
 * opened with, after which the SQLITE_BUSY error is thrown as it was before.
 *
 * Why once and not around each attempt: SQLite applies `PRAGMA busy_timeout` when the
 * statement is compiled, so setting it to 0 and back around every write compiled two
 * statements per transaction (bench:path, CPU per registration: 2.5 → 2.2 ms on a loaded
 * machine, 1.15 → 1.10 ms on a quiet one).
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
  /** The longest a statement waits for a lock: the connection's busy timeout as it was opened. */
  readonly waitMs: number;
  /**
   * Runs `attempt` until it does not fail for a busy database, yielding in between. The
   * first try runs at once, in the caller's turn. `attempt` must change nothing when it
   * fails busy: BEGIN IMMEDIATE, one autocommit statement, a COMMIT that keeps its
   * transaction open, a read. A statement inside a transaction qualifies too: SQLite
   * undoes a failed statement's own changes.
   */
  retryBusy<T>(attempt: () => T): Promise<T>;
  /**
   * Runs `fn` with SQLite's own busy timeout back in force, for code handed the raw
   * connection (tests, migrations) that expects it.
   */
  withBlockingWait<T>(fn: () => T): T;
}

/**
 * Takes over the connection's busy timeout: from here on SQLite's is 0 and waits happen in
 * `retryBusy`. Call it once, after the migrations (they run with the blocking wait).
 */
export function lockAttempts(sqlite: BetterSqlite3.Database, now: () => number = Date.now): LockAttempts {
  const waitMs = Math.max(0, Math.floor(Number(sqlite.pragma("busy_timeout", { simple: true }))));
  sqlite.pragma("busy_timeout = 0");
  return {
    waitMs,
    async retryBusy(attempt) {
      let deadline = -1;
      for (let tries = 1; ; tries++) {
        try {
          return attempt();
        } catch (err) {
          if (!isBusy(err)) throw err;
          // The clock is read only once a lock is met: the common path costs one try.
          if (deadline < 0) deadline = now() + waitMs;
          if (now() >= deadline) throw err;
        }
        await pause(tries);
      }
    },
    withBlockingWait(fn) {
      sqlite.pragma(`busy_timeout = ${waitMs}`);
      try {
        return fn();
      } finally {
        sqlite.pragma("busy_timeout = 0");
      }
    },
  };
}
