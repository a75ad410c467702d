/**
 * Group commit for every transaction on the SQLite connection. Transactions asked for
 * while the connection is busy run together, when their turn comes, inside ONE
 * BEGIN IMMEDIATE … COMMIT, each in a savepoint of its own. A commit (appending the
 * pages to the WAL and taking the file's write lock) was the largest single cost of a
 * flow step and of a registration (about 80 µs, against 2–40 µs for the statements);
 * sixteen step jobs running at once now share one.
 *
 * Each transaction keeps its own outcome:
 *   - it sees the writes of those before it in the group (as it would have, run after
 *     them), and none of those after it;
 *   - if it throws, its savepoint is rolled back (its writes undone, the others' kept)
 *     and its promise rejects with its own error;
 *   - its promise resolves only once the shared COMMIT is done, so "resolved" still means
 *     "durable" (what callers rely on before they send mail or answer 202);
 *   - if the COMMIT fails, or an error ends the whole transaction (SQLite rolls it all
 *     back itself on a full disk or an I/O error), every transaction of the group that
 *     had not failed on its own rejects with that error: none of its writes landed.
 * Nothing waits for a group to fill: a transaction asked for on an idle connection runs
 * at the connection's next turn, with whatever was asked for in the same tick.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { Sql } from "./handle.js";
import type { SerialLock } from "./serial-lock.js";

/** Most transactions in one group: a bound on how long one commit holds the writer and the first caller waits. */
export const MAX_GROUP = 64;

interface Pending {
  fn: (t: Sql) => Promise<unknown>;
  ok(value: unknown): void;
  fail(err: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

export interface GroupCommitParts {
  sqlite: BetterSqlite3.Database;
  lock: SerialLock;
  /** A handle valid until `end()` (sqlite-database.ts: handleOn). */
  openHandle(): { handle: Sql; end(): void };
  /** Takes the write lock: BEGIN IMMEDIATE, waiting for another process without blocking (sqlite-busy.ts). */
  begin(): Promise<void>;
  /** COMMIT; failing busy it keeps the transaction open, so it is tried again the same way. */
  commit(): Promise<void>;
}

export function groupCommit(parts: GroupCommitParts): <T>(fn: (t: Sql) => Promise<T>) => Promise<T> {
  const { sqlite, lock } = parts;
  const rollback = sqlite.prepare("ROLLBACK");
  const savepoint = sqlite.prepare("SAVEPOINT rapport_tx");
  const release = sqlite.prepare("RELEASE rapport_tx");
  const undo = sqlite.prepare("ROLLBACK TO rapport_tx");
  let waiting: Pending[] = [];
  let turnTaken = false;

  const runOne = async (item: Pending): Promise<Outcome> => {
    const { handle, end } = parts.openHandle();
    savepoint.run();
    try {
      const value = await item.fn(handle);
      release.run();
      return { ok: true, value };
    } catch (err) {
      // Only its own writes are undone; a transaction SQLite has ended whole is seen by the caller.
      if (sqlite.inTransaction) {
        undo.run();
        release.run();
      }
      return { ok: false, err };
    } finally {
      end();
    }
  };

  const runGroup = async () => {
    turnTaken = false;
    const group = waiting.slice(0, MAX_GROUP);
    waiting = waiting.slice(group.length);
    // Those left over take the next turn, behind whatever was asked for meanwhile.
    if (waiting.length > 0) takeTurn();
    const outcomes: Outcome[] = [];
    let ended: unknown = null;
    try {
      await parts.begin();
      for (const item of group) {
        const outcome = await runOne(item);
        outcomes.push(outcome);
        if (!sqlite.inTransaction) {
          // SQLite rolled the whole transaction back (full disk, I/O error): nothing landed.
          ended = outcome.ok ? new Error("the SQLite transaction ended before its commit") : outcome.err;
          break;
        }
      }
      if (ended === null) await parts.commit();
    } catch (err) {
      // BEGIN or COMMIT failed (or a savepoint could not be taken): nothing of the group landed.
      if (sqlite.inTransaction) rollback.run();
      ended = err;
    }
    group.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome && !outcome.ok) item.fail(outcome.err);
      else if (ended !== null || !outcome) item.fail(ended);
      else item.ok(outcome.value);
    });
  };

  function takeTurn(): void {
    turnTaken = true;
    void lock.run(runGroup);
  }

  return <T>(fn: (t: Sql) => Promise<T>) =>
    new Promise<T>((ok, fail) => {
      waiting.push({ fn, ok: ok as (v: unknown) => void, fail });
      if (!turnTaken) takeTurn();
    });
}
