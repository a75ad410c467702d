/**
 * Postgres: reads of one row by id, made while another is in flight, answered together
 * by one `id = any(…)` select (call-batch.ts): one round trip, and one statement for the
 * server to run, for the steps or events jobs running at once.
 */
import { callBatcher } from "./call-batch.js";
import type { Database } from "./handle.js";
import type { Query } from "./query.js";

/** Most ids one select reads. */
export const MAX_IDS_PER_SELECT = 100;

/**
 * `byIds` selects the rows whose id is in its `ids` parameter (a text[]). Each caller gets
 * the row of its own id, or null; `convert` runs per caller, so none shares an object.
 */
export function rowsById<Row extends { id: string }, Out>(
  db: Database,
  byIds: Query<Row>,
  convert: (row: Row) => Out,
): (id: string) => Promise<Out | null> {
  const read = async (ids: string[]) => {
    const rows = await db.read((t) => t.all(byIds, { ids: [...new Set(ids)] }));
    return new Map(rows.map((r) => [r.id, r]));
  };
  const one = (rows: Map<string, Row>, id: string) => {
    const row = rows.get(id);
    return row ? convert(row) : null;
  };
  return callBatcher<string, Out | null>(
    async (ids) => {
      const rows = await read(ids);
      return ids.map((id) => one(rows, id));
    },
    { max: MAX_IDS_PER_SELECT, alone: async (id) => one(await read([id]), id) },
  );
}
