/**
 * Group commit for one write statement run once per item (the send ledger's "sent"):
 * calls that arrive while an earlier write is waiting for or holding the database go
 * together in ONE transaction, so a burst of N marks costs one commit (one WAL append
 * on SQLite, one COMMIT round trip on Postgres) instead of N. A call made when nothing
 * is pending starts at once: no waiting is added for a batch to fill.
 *
 * Contract: the promise of each call resolves, with the rows its own statement changed,
 * once the transaction holding it has committed; if that transaction fails, every call
 * in it rejects and none of its writes landed (one transaction), so each caller retries
 * its own as it would a single write. A lone call runs as `db.write` (autocommit).
 */
import type { Database, Values } from "./handle.js";
import type { Query } from "./query.js";

/** Most statements in one transaction: a bound on how long one commit holds the writer. */
export const MAX_BATCH = 200;

interface Pending {
  values: Values;
  ok(changed: number): void;
  fail(err: unknown): void;
}

export function writeBatcher(db: Database, q: Query<unknown>): (values: Values) => Promise<number> {
  let waiting: Pending[] = [];
  let writing = false;

  const writeBatch = async (batch: Pending[]) => {
    try {
      if (batch.length === 1) {
        const only = batch[0] as Pending;
        only.ok(await db.write(q, only.values));
        return;
      }
      const changed = await db.tx(async (t) => {
        const out: number[] = [];
        for (const item of batch) out.push(await t.run(q, item.values));
        return out;
      });
      batch.forEach((item, i) => {
        item.ok(changed[i] ?? 0);
      });
    } catch (err) {
      for (const item of batch) item.fail(err);
    }
  };

  const drain = async () => {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, MAX_BATCH);
      waiting = waiting.slice(batch.length);
      await writeBatch(batch);
    }
    writing = false;
  };

  return (values) =>
    new Promise<number>((ok, fail) => {
      waiting.push({ values, ok, fail });
      if (!writing) void drain();
    });
}
