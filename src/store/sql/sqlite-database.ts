/**
 * The Database on better-sqlite3: one connection, so transactions take turns through a
 * lock (SQLite allows one writer anyway; BEGIN IMMEDIATE takes the write lock up front).
 * Transactions asked for together share one commit (sqlite-group-commit.ts), and a write
 * waits for another process's lock without stopping the event loop (sqlite-busy.ts).
 */
import type BetterSqlite3 from "better-sqlite3";
import { type Database, HandleClosedError, type Sql, type Values } from "./handle.js";
import { bind, type Query } from "./query.js";
import { serialLock } from "./serial-lock.js";
import { type LockAttempts, lockAttempts } from "./sqlite-busy.js";
import { groupCommit } from "./sqlite-group-commit.js";
import { type LargeValueThread, ThreadGoneError } from "./sqlite-large-values.js";

/** better-sqlite3 binds numbers, strings, bigints, buffers and null only. */
function toSqlite(values: unknown[]): unknown[] {
  return values.map((v) => (v === undefined ? null : typeof v === "boolean" ? (v ? 1 : 0) : v));
}

/** Most prepared statements kept; past it the cache starts again (texts built per call, e.g. IN lists, must not grow it without end). */
const MAX_PREPARED = 500;

/**
 * Prepared statements by their text: preparing (parsing and planning the SQL) costs as
 * much as running a small statement, and every step, send and event runs the same few
 * dozen texts. SQLite re-prepares a kept statement by itself after a schema change.
 */
function statementCache(sqlite: BetterSqlite3.Database): (text: string) => BetterSqlite3.Statement {
  const kept = new Map<string, BetterSqlite3.Statement>();
  return (text) => {
    let statement = kept.get(text);
    if (!statement) {
      if (kept.size >= MAX_PREPARED) kept.clear();
      statement = sqlite.prepare(text);
      kept.set(text, statement);
    }
    return statement;
  };
}

/**
 * A handle whose statements wait for another connection's lock without stopping the event
 * loop (sqlite-busy.ts): in WAL mode a read meets one only during recovery or while another
 * process holds the file exclusively, and a statement inside a transaction that holds the
 * write lock never does, but each is tried again whole should it happen.
 */
function handleOn(
  prepare: (text: string) => BetterSqlite3.Statement,
  attempts: LockAttempts,
): { handle: Sql; end(): void } {
  let open = true;
  const statement = (q: Query<unknown>, values: Values | undefined) => {
    if (!open) throw new HandleClosedError();
    const bound = bind(q, "sqlite", values);
    return { statement: prepare(bound.text), values: toSqlite(bound.values) };
  };
  const handle: Sql = {
    dialect: "sqlite",
    all: <Row>(q: Query<Row>, values?: Values) =>
      attempts.retryBusy(() => {
        const s = statement(q, values);
        return s.statement.all(...s.values) as Row[];
      }),
    get: <Row>(q: Query<Row>, values?: Values) =>
      attempts.retryBusy(() => {
        const s = statement(q, values);
        return s.statement.get(...s.values) as Row | undefined;
      }),
    run: (q: Query<unknown>, values?: Values) =>
      attempts.retryBusy(() => {
        const s = statement(q, values);
        return s.statement.run(...s.values).changes;
      }),
  };
  return {
    handle,
    end: () => {
      open = false;
    },
  };
}

export interface SqliteDatabase extends Database {
  /** Runs synchronous work on the connection in its turn (the checkpoint-free legacy paths, tests). */
  exclusive<T>(fn: (sqlite: BetterSqlite3.Database) => T): Promise<T>;
}

export function sqliteDatabase(
  sqlite: BetterSqlite3.Database,
  location: string,
  close: () => Promise<void>,
  /**
   * Starts the thread getLarge runs its statements on, at its first use (most stores, a CLI
   * command's for one, never hold a raw message); without one (":memory:") they run on `sqlite`.
   */
  startLarge: (() => LargeValueThread) | null = null,
): SqliteDatabase {
  const lock = serialLock();
  const prepare = statementCache(sqlite);
  // From here on SQLite's own busy timeout is 0: every statement waits for another
  // process's lock by yielding, not by sleeping in the call (sqlite-busy.ts).
  const attempts = lockAttempts(sqlite);
  let thread: LargeValueThread | null = null;
  let mayStart = startLarge !== null;
  const onThisConnection = <Row>(q: Query<Row>, values: Values | undefined) =>
    lock.run(async () => {
      const { handle, end } = handleOn(prepare, attempts);
      try {
        return await handle.get(q, values);
      } finally {
        end();
      }
    });
  let closing: Promise<void> | null = null;
  const begin = sqlite.prepare("BEGIN IMMEDIATE");
  const commit = sqlite.prepare("COMMIT");
  // Transactions asked for together share one BEGIN … COMMIT, each in its own savepoint.
  const tx = groupCommit({
    sqlite,
    lock,
    openHandle: () => handleOn(prepare, attempts),
    begin: async () => {
      await attempts.retryBusy(() => begin.run());
    },
    commit: async () => {
      await attempts.retryBusy(() => commit.run());
    },
  });
  /** One write statement on its own, in the connection's turn. */
  const onItsOwn = <T>(
    q: Query<unknown>,
    values: Values | undefined,
    run: (statement: BetterSqlite3.Statement, args: unknown[]) => T,
  ) =>
    lock.run(async () => {
      const bound = bind(q, "sqlite", values);
      const statement = prepare(bound.text);
      const args = toSqlite(bound.values);
      return attempts.retryBusy(() => run(statement, args));
    });
  return {
    dialect: "sqlite",
    location,
    tx,
    // One statement is atomic in SQLite; the lock keeps it out of another's transaction.
    // Failing busy, it changed nothing, so it is tried again whole.
    write: (q, values) => onItsOwn(q, values, (statement, args) => statement.run(...args).changes),
    writeReturning: <Row>(q: Query<Row>, values?: Values) =>
      onItsOwn(q, values, (statement, args) => statement.get(...args) as Row | undefined),
    writeReturningAll: <Row>(q: Query<Row>, values?: Values) =>
      onItsOwn(q, values, (statement, args) => statement.all(...args) as Row[]),
    getLarge: async <Row>(q: Query<Row>, values?: Values) => {
      if (!thread && mayStart && startLarge && !closing) {
        mayStart = false;
        thread = startLarge();
      }
      if (!thread) return onThisConnection(q, values);
      const bound = bind(q, "sqlite", values);
      const run = (t: LargeValueThread) => t.get<Row>(bound.text, toSqlite(bound.values));
      try {
        // A write takes this connection's turn meanwhile: a transaction begun here would
        // otherwise wait for the thread's write lock inside BEGIN IMMEDIATE, synchronously.
        // A read needs no turn (WAL: readers never wait on writers).
        return /^\s*select\b/i.test(bound.text)
          ? await run(thread)
          : await lock.run(() => run(thread as LargeValueThread));
      } catch (err) {
        if (!(err instanceof ThreadGoneError)) throw err;
        // The thread is gone (it could not open the file, or crashed): this connection
        // takes its statements from now on, slower for the event loop but correct.
        thread = null;
        return onThisConnection(q, values);
      }
    },
    read: (fn) =>
      lock.run(async () => {
        const { handle, end } = handleOn(prepare, attempts);
        try {
          return await fn(handle);
        } finally {
          end();
        }
      }),
    // Code handed the raw connection gets SQLite's own (blocking) busy wait back meanwhile.
    exclusive: (fn) => lock.run(() => attempts.withBlockingWait(() => fn(sqlite))),
    // Closing twice (a test's cleanup and a shutdown) closes once.
    close: () => {
      closing ??= lock.run(async () => {
        await thread?.close();
        // The last connection to close checkpoints the WAL into the file and removes it,
        // which takes a lock: it may wait for it as before.
        sqlite.pragma(`busy_timeout = ${attempts.waitMs}`);
        await close();
      });
      return closing;
    },
  };
}
