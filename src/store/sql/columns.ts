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

/** The `prefix`ed columns of a joined row, without the prefix. */
export function unprefix<T>(row: Record<string, unknown>, prefix: string): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key.startsWith(prefix)) out[key.slice(prefix.length)] = value;
  }
  return out as T;
}
