/**
 * Select lists that read rows back in the shape drizzle infers for a table: each column
 * aliased to its camelCase key, so `typeof table.$inferSelect` describes the row.
 */
import { getTableColumns, type SQL, sql, type Table } from "drizzle-orm";

/** `"t"."flow_id" as "flowId", …`; `prefix` keeps two tables of a join apart (`o_flowId`). */
export function columnsOf(table: Table, prefix = ""): SQL {
  const parts = Object.entries(getTableColumns(table)).map(
    ([key, column]) => sql`${column} as ${sql.identifier(`${prefix}${key}`)}`,
  );
  return sql.join(parts, sql`, `);
}

/** [`o_flowId`, `flowId`] pairs of a table's columns under a prefix, made once per (table, prefix). */
const pairsOf = new WeakMap<Table, Map<string, Array<[string, string]>>>();
function keyPairs(table: Table, prefix: string): Array<[string, string]> {
  let byPrefix = pairsOf.get(table);
  if (!byPrefix) {
    byPrefix = new Map();
    pairsOf.set(table, byPrefix);
  }
  let pairs = byPrefix.get(prefix);
  if (!pairs) {
    pairs = Object.keys(getTableColumns(table)).map((key): [string, string] => [`${prefix}${key}`, key]);
    byPrefix.set(prefix, pairs);
  }
  return pairs;
}

/**
 * The `prefix`ed columns of a joined row, without the prefix: the columns of `table`,
 * selected under that prefix with columnsOf. It reads just those keys rather than testing
 * every key of the row (the delivery context's row has seven tables' columns).
 */
export function unprefix<T>(row: Record<string, unknown>, prefix: string, table: Table): T {
  const out: Record<string, unknown> = {};
  for (const [full, key] of keyPairs(table, prefix)) out[key] = row[full];
  return out as T;
}
