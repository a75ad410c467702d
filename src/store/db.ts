/**
 * Opens the relationship store and brings its schema up to date.
 *
 * SQLite runs in WAL mode with synchronous=NORMAL: a committed transaction survives
 * the process being killed at any point (the send ledger relies on this); only a
 * power loss may take back the last few commits, which then replay from their
 * queue jobs. busy_timeout lets several processes on one machine share the file.
 *
 * Checkpoints (copying the WAL back into the database file, with its fsync) are made by
 * a thread of their own on its own connection, so no request or job waits on them;
 * the connection's own automatic checkpoint stays as a backstop at a larger WAL size.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as schema from "./schema.js";
import { type SqliteDatabase, sqliteDatabase } from "./sql/sqlite-database.js";
import { startLargeValueThread } from "./sql/sqlite-large-values.js";
import { SqliteDriver, sqliteDriverPath } from "./sqlite-driver.js";

export interface OpenedDb {
  /** Transactions and reads through handles (src/store/sql); repositories never see the connection. */
  database: SqliteDatabase;
  /** The file path, or ":memory:". */
  location: string;
  close(): Promise<void>;
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

/** How often the checkpoint thread checkpoints; the WAL is rewound once all of it is in the file. */
const CHECKPOINT_INTERVAL_MS = 250;
/** The connection's own checkpoint, should the thread fall behind or stop (pages of 4 KiB: 32 MiB). */
const BACKSTOP_CHECKPOINT_PAGES = 8000;

const CHECKPOINT_THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.location);
db.pragma("busy_timeout = 5000");
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {}
}, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

function startCheckpointThread(location: string): () => Promise<void> {
  const worker = new Worker(CHECKPOINT_THREAD, {
    eval: true,
    workerData: {
      location,
      driver: sqliteDriverPath,
      intervalMs: CHECKPOINT_INTERVAL_MS,
    },
  });
  worker.on("error", () => {}); // the backstop checkpoint takes over
  worker.unref();
  return async () => {
    const exited = new Promise((r) => worker.once("exit", r));
    // Held while it stops: an unref'd thread is no reason to stay alive, so a start-up
    // failure whose clean-up waits here would otherwise end the process, with code 0
    // and the error never printed, the moment nothing else is pending.
    worker.ref();
    worker.postMessage("stop");
    await exited;
  };
}

/** `location` is a file path or ":memory:". */
export function openSqlite(location: string): OpenedDb {
  if (location !== ":memory:") mkdirSync(dirname(location), { recursive: true });
  const sqlite = new SqliteDriver(location);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  keepPreparedStatements(sqlite);
  // drizzle only to apply the migrations; queries go through `database` below.
  const db = drizzle(sqlite, { schema });
  // Foreign keys off while migrating: a migration that rebuilds a table (SQLite's way to
  // change a column) drops the old one, and a PRAGMA inside the migration's transaction
  // is ignored. Checked after, so a migration cannot leave a dangling reference behind.
  sqlite.pragma("foreign_keys = OFF");
  migrate(db, { migrationsFolder: migrationsFolder() });
  sqlite.pragma("foreign_keys = ON");
  const dangling = sqlite.pragma("foreign_key_check") as unknown[];
  if (dangling.length > 0)
    throw new Error(`${location}: the migrations left ${dangling.length} broken foreign key reference(s)`);
  let close = async () => {
    sqlite.close();
  };
  if (location !== ":memory:") {
    sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    const stopCheckpoints = startCheckpointThread(location);
    close = async () => {
      await stopCheckpoints();
      sqlite.close();
    };
  }
  const database = sqliteDatabase(
    sqlite,
    location,
    close,
    location === ":memory:" ? null : () => startLargeValueThread(location, sqliteDriverPath),
  );
  return { database, location, close: () => database.close() };
}
