/**
 * Group commit for one write statement run once per item (the send ledger's "sent"):
 * tx-batch.ts with each call one statement, and a lone call run as `db.write`
 * (autocommit, no BEGIN/COMMIT around it). Each call resolves with the rows its own
 * statement changed.
 */
import type { Database, Values } from "./handle.js";
import type { Query } from "./query.js";
import { txBatcher } from "./tx-batch.js";

export { MAX_BATCH } from "./tx-batch.js";

export function writeBatcher(db: Database, q: Query<unknown>): (values: Values) => Promise<number> {
  return txBatcher<Values, number>(db, (t, values) => t.run(q, values), {
    alone: (values) => db.write(q, values),
  });
}
