/**
 * Group commit: calls that arrive while an earlier one is waiting for or holding the
 * database go together in ONE transaction, so a burst of N costs one commit (one WAL
 * append and one write lock on SQLite, one COMMIT round trip on Postgres) instead of N.
 * A call made when nothing is pending starts at once: no waiting is added for a batch
 * to fill. On SQLite, where the HTTP process and the workers share one file, fewer
 * write locks also means fewer turns where one process sleeps in SQLite's busy handler
 * (which blocks its whole event loop) waiting for the other.
 *
 * Contract: each call resolves with its own result once the transaction holding it has
 * committed, as if it had run alone. If a shared transaction fails, none of its writes
 * landed (one transaction), and each of its calls is run again alone: a call that cannot
 * succeed fails by itself and never takes the calls beside it down.
 */
import type { Database, Sql } from "./handle.js";

/** Most calls in one transaction: a bound on how long one commit holds the writer. */
export const MAX_BATCH = 200;

interface Pending<I, R> {
  item: I;
  ok(result: R): void;
  fail(err: unknown): void;
}

export interface TxBatchOptions<I, R> {
  /** How a call runs when it is alone (default: its own `db.tx`), e.g. a single autocommit write. */
  alone?: (item: I) => Promise<R>;
}

export function txBatcher<I, R>(
  db: Database,
  work: (t: Sql, item: I) => Promise<R>,
  options: TxBatchOptions<I, R> = {},
): (item: I) => Promise<R> {
  const alone = options.alone ?? ((item: I) => db.tx((t) => work(t, item)));
  let waiting: Array<Pending<I, R>> = [];
  let writing = false;

  const runAlone = async (p: Pending<I, R>) => {
    try {
      p.ok(await alone(p.item));
    } catch (err) {
      p.fail(err);
    }
  };

  const runBatch = async (batch: Array<Pending<I, R>>) => {
    if (batch.length === 1) return runAlone(batch[0] as Pending<I, R>);
    let results: R[];
    try {
      results = await db.tx(async (t) => {
        const out: R[] = [];
        for (const p of batch) out.push(await work(t, p.item));
        return out;
      });
    } catch {
      // Rolled back whole: each call gets its own transaction, and its own outcome.
      for (const p of batch) await runAlone(p);
      return;
    }
    batch.forEach((p, i) => {
      p.ok(results[i] as R);
    });
  };

  const drain = async () => {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, MAX_BATCH);
      waiting = waiting.slice(batch.length);
      await runBatch(batch);
    }
    writing = false;
  };

  return (item) =>
    new Promise<R>((ok, fail) => {
      waiting.push({ item, ok, fail });
      if (!writing) void drain();
    });
}
