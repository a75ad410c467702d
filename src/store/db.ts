/**
 * Opens the relationship store and brings its schema up to date.
 *
 * SQLite runs in WAL mode with synchronous=NORMAL: a committed transaction survives
 * the process being killed at any point (the send ledger relies on this); only a
 * power loss may take back the last few commits, which then replay from their
 * queue jobs. busy_timeout lets several processes on one machine share the file.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { sql } from "drizzle-orm";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as schema from "./schema.js";

export type Db = BetterSQLite3Database<typeof schema>;

export interface OpenedDb {
  db: Db;
  /** The file path, or ":memory:". */
  location: string;
  close(): void;
}

/** Finds the migrations folder both from src/ (tsx, tests) and from dist/ (built). */
function migrationsFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "migrations"), join(here, "..", "..", "src", "store", "migrations")];
  const found = candidates.find((dir) => existsSync(join(dir, "meta", "_journal.json")));
  if (!found) throw new Error(`store migrations not found; looked in ${candidates.join(", ")}`);
  return found;
}

/**
 * drizzle prepares every query anew, and SQLite's parsing and planning was the largest
 * single cost of the store's small queries. Statements are kept by their SQL text (the
 * values are bound per call, so the set of texts is small and fixed). A kept statement
 * is handed back in its default (object) row mode, since drizzle switches some to raw.
 */
const STATEMENT_CACHE_SIZE = 1000;
function keepPreparedStatements(sqlite: Database.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const kept = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    const found = kept.get(source);
    if (found && !found.busy) {
      if (found.reader) found.raw(false);
      return found;
    }
    const statement = prepare(source);
    if (!found) {
      if (kept.size >= STATEMENT_CACHE_SIZE) kept.clear();
      kept.set(source, statement);
    }
    return statement;
  }) as typeof sqlite.prepare;
}

/** `location` is a file path or ":memory:". */
export function openSqlite(location: string): OpenedDb {
  if (location !== ":memory:") mkdirSync(dirname(location), { recursive: true });
  const sqlite = new Database(location);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  keepPreparedStatements(sqlite);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: migrationsFolder() });
  return { db, location, close: () => sqlite.close() };
}

const preparedByDb = new WeakMap<Db, Map<string, unknown>>();

/**
 * A query the hot path runs for every message, built by drizzle once per database
 * (values are bound through sql.placeholder at each call). Building a query's SQL
 * took drizzle longer than SQLite took to run it. Prepared on `db`, such a query
 * also runs inside a transaction opened on `db`: better-sqlite3 has one connection.
 */
export function prepared<T>(db: Db, key: string, build: () => T): T {
  let kept = preparedByDb.get(db);
  if (!kept) {
    kept = new Map();
    preparedByDb.set(db, kept);
  }
  let query = kept.get(key) as T | undefined;
  if (query === undefined) {
    query = build();
    kept.set(key, query);
  }
  return query;
}

/** A value bound per call in an UPDATE's SET (drizzle types placeholders only for WHERE and VALUES). */
export const bound = (name: string) => sql`${sql.placeholder(name)}`;
