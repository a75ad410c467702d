/**
 * What a repository gets to talk to the database: a handle on one connection, inside
 * a transaction (`tx`) or for reads (`read`), valid only while that callback runs. A
 * repository never sees the pool or the root connection, so a helper it calls cannot
 * run outside the transaction it was given: on Postgres, where every pooled connection
 * is a different session, that is what keeps a transaction one transaction.
 */
import type { Dialect, Query } from "./query.js";

export type Values = Record<string, unknown>;

export interface Sql {
  readonly dialect: Dialect;
  all<Row>(q: Query<Row>, values?: Values): Promise<Row[]>;
  get<Row>(q: Query<Row>, values?: Values): Promise<Row | undefined>;
  /** Runs a write; resolves to the number of rows it changed. */
  run(q: Query<unknown>, values?: Values): Promise<number>;
}

export interface Database {
  readonly dialect: Dialect;
  /** Where the data lives, for messages (a file path, or the Postgres URL without its password). */
  readonly location: string;
  /**
   * Runs `fn` in one transaction (SQLite: BEGIN IMMEDIATE, one writer at a time; Postgres:
   * READ COMMITTED, retried whole on a deadlock or serialization failure, so `fn` must
   * not do I/O of its own beyond the handle). Commits when it resolves, rolls back when
   * it throws.
   */
  tx<T>(fn: (t: Sql) => Promise<T>): Promise<T>;
  /**
   * Runs one write statement on its own, atomic by itself: no BEGIN/COMMIT around it (on
   * Postgres that is two round trips fewer than `tx`). For writes that are one statement.
   */
  write(q: Query<unknown>, values?: Values): Promise<number>;
  /** Like `write`, for a statement with RETURNING: resolves to its first row. */
  writeReturning<Row>(q: Query<Row>, values?: Values): Promise<Row | undefined>;
  /** Like `writeReturning`, resolving to every row the statement returns (a write of many rows). */
  writeReturningAll<Row>(q: Query<Row>, values?: Values): Promise<Row[]>;
  /**
   * Runs one statement whose values or row carry a large value (a raw inbound message) on
   * its own, atomic by itself, and resolves to its first row. On SQLite it runs on a thread
   * with a connection of its own (src/store/sql/sqlite-large-values.ts), so the event loop
   * never copies megabytes through SQLite synchronously; on Postgres it is an ordinary
   * statement (the driver's I/O is asynchronous already).
   */
  getLarge<Row>(q: Query<Row>, values?: Values): Promise<Row | undefined>;
  /** Runs reads (each statement on its own; no transaction held open). */
  read<T>(fn: (t: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Thrown when a handle is used after its transaction ended (a helper kept it too long). */
export class HandleClosedError extends Error {
  constructor() {
    super("a store handle was used after its transaction ended");
    this.name = "HandleClosedError";
  }
}
