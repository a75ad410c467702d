/**
 * Queries written once for both dialects: a drizzle `sql` template whose values are
 * placeholders, rendered for SQLite (`?`) or Postgres (`$1`) the first time a dialect
 * runs it and kept on the query, so the hot path never renders SQL twice.
 *
 * Write portable SQL (both SQLite ≥ 3.35 and Postgres take `ON CONFLICT … DO NOTHING`,
 * `RETURNING`, `LIMIT`); where the dialects differ a repository asks `t.dialect`.
 * Values go in as `sql.placeholder("name")` and are bound per call; a template with
 * values inlined must be run with `adhoc` (rendered per call, never kept).
 */
import { createHash } from "node:crypto";
import { fillPlaceholders, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";

export type Dialect = "sqlite" | "postgres";

export interface Rendered {
  text: string;
  /** Values and placeholders in order; filled per call. */
  params: unknown[];
  /** Postgres prepared-statement name (kept queries only). */
  name: string | null;
}

/** A query whose rows have the shape `Row` (select lists alias columns to camelCase keys). */
export interface Query<Row> {
  readonly sql: SQL;
  /** False for `adhoc` queries: rendered on every call. */
  readonly kept: boolean;
  readonly rendered: Partial<Record<Dialect, Rendered>>;
  /** Type-only: the row shape. */
  readonly _row?: Row;
}

/** A query run many times: its SQL must bind every value through `sql.placeholder`. */
export function query<Row = unknown>(text: SQL): Query<Row> {
  return { sql: text, kept: true, rendered: {} };
}

/** A query built per call (values inlined, `IN` lists of any length). */
export function adhoc<Row = unknown>(text: SQL): Query<Row> {
  return { sql: text, kept: false, rendered: {} };
}

// Dialect objects only render SQL text; they hold no connection or state.
const dialects = { sqlite: new SQLiteSyncDialect(), postgres: new PgDialect() };

function render(q: Query<unknown>, dialect: Dialect): Rendered {
  const kept = q.rendered[dialect];
  if (kept) return kept;
  const { sql: text, params } = dialects[dialect].sqlToQuery(q.sql);
  const name = q.kept ? `r${createHash("sha1").update(text).digest("hex").slice(0, 24)}` : null;
  const rendered = { text, params, name };
  if (q.kept) (q.rendered as Record<Dialect, Rendered>)[dialect] = rendered;
  return rendered;
}

/** The SQL text and bound values of one call. */
export function bind(
  q: Query<unknown>,
  dialect: Dialect,
  values: Record<string, unknown> | undefined,
): { text: string; values: unknown[]; name: string | null } {
  const r = render(q, dialect);
  return { text: r.text, values: values ? fillPlaceholders(r.params, values) : r.params, name: r.name };
}
