/**
 * The store of one chaos run, as rapport is told to open it (DATABASE_URL) and as the
 * checker reads it: a SQLite file in the run's temp dir, or a schema of its own on a
 * Postgres database (`?schema=chaos_<random>` on the URL; rapport creates it, cleanup
 * drops it). The checker reads the tables directly, read-only, never through rapport.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { SqliteDriver } from "../../src/store/sqlite-driver.js";
import type { StoreMessage } from "./checker.js";

export interface RunStore {
  /** DATABASE_URL for the run's rapport processes. */
  url: string;
  /** "sqlite" or "postgres", for the report. */
  kind: "sqlite" | "postgres";
  messages(): Promise<StoreMessage[]>;
  /** Suppressed addresses, lower case. */
  suppressed(): Promise<Set<string>>;
  /** Events not yet processed (status received). */
  unprocessedEvents(): Promise<number>;
  /** Lets the store go (and drops a Postgres schema): after every rapport has stopped. */
  close(): Promise<void>;
}

const MESSAGES = (table: string) =>
  `SELECT id, event_id AS "eventId", to_address AS "toAddress", status, message_id_header AS "messageIdHeader" FROM ${table}`;

export async function openRunStore(postgresUrl: string | null, dir: string): Promise<RunStore> {
  return postgresUrl ? openPostgresRunStore(postgresUrl) : sqliteRunStore(join(dir, "rapport.db"));
}

function sqliteRunStore(file: string): RunStore {
  // Opened on first read: the file exists once the first rapport has migrated it.
  let db: Database.Database | null = null;
  const open = () => {
    db ??= new SqliteDriver(file, { readonly: true, fileMustExist: true });
    return db;
  };
  return {
    url: file,
    kind: "sqlite",
    messages: async () => open().prepare(MESSAGES("messages")).all() as StoreMessage[],
    suppressed: async () =>
      new Set(
        (open().prepare("SELECT email FROM suppressions").all() as Array<{ email: string }>).map((r) =>
          r.email.toLowerCase(),
        ),
      ),
    unprocessedEvents: async () =>
      (open().prepare("SELECT count(*) AS n FROM events WHERE status = 'received'").get() as { n: number }).n,
    async close() {
      db?.close();
    },
  };
}

async function openPostgresRunStore(base: string): Promise<RunStore> {
  // Loaded only for Postgres runs: a SQLite run does not need the driver.
  const { default: pg } = await import("pg");
  const schema = `chaos_${randomBytes(6).toString("hex")}`;
  const forRapport = new URL(base);
  forRapport.searchParams.set("schema", schema);
  const forChecker = new URL(base);
  forChecker.searchParams.delete("schema");
  const client = new pg.Client({ connectionString: forChecker.toString() });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`CHAOS_DATABASE_URL: cannot connect to ${forChecker.host}: ${(err as Error).message}`);
  }
  const t = (name: string) => `"${schema}".${name}`;
  return {
    url: forRapport.toString(),
    kind: "postgres",
    messages: async () => (await client.query<StoreMessage>(MESSAGES(t("messages")))).rows,
    suppressed: async () =>
      new Set(
        (await client.query<{ email: string }>(`SELECT email FROM ${t("suppressions")}`)).rows.map((r) =>
          r.email.toLowerCase(),
        ),
      ),
    unprocessedEvents: async () =>
      (
        await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${t("events")} WHERE status = 'received'`,
        )
      ).rows[0]?.n ?? 0,
    async close() {
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
