/**
 * Opens the store's Postgres database: creates the schema named in the URL if missing,
 * applies drizzle-kit's Postgres migrations (src/store/migrations-pg) under an advisory
 * lock, so several processes starting at once migrate once, then opens the pool.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import type { Database } from "./sql/handle.js";
import { postgresConfig, postgresDatabase, quoteIdent } from "./sql/postgres-database.js";

/** Any fixed number: the lock that lets one process at a time migrate. */
const MIGRATION_LOCK = 7_270_773_001;

/** How long the start-up's first connection may take before DATABASE_URL is reported unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

function migrationsFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "migrations-pg"), join(here, "..", "..", "src", "store", "migrations-pg")];
  const found = candidates.find((dir) => existsSync(join(dir, "meta", "_journal.json")));
  if (!found) throw new Error(`Postgres migrations not found; looked in ${candidates.join(", ")}`);
  return found;
}

export interface OpenPostgresOptions {
  url: string;
  schema: string | null;
  poolSize: number;
  /** For messages: the URL without its password. */
  describe: string;
}

export async function openPostgres(opts: OpenPostgresOptions): Promise<Database> {
  const config = postgresConfig(opts.url, { poolSize: opts.poolSize, schema: opts.schema });
  // A host that drops packets would otherwise hold the start-up for minutes (pg waits forever).
  const client = new pg.Client({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `cannot connect to Postgres at ${opts.describe} (DATABASE_URL): ${(err as Error).message}\nStart Postgres there, correct DATABASE_URL, or unset it to use SQLite under RAPPORT_DATA_DIR.`,
    );
  }
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    if (opts.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(opts.schema)}`);
    await migrate(drizzle(client), {
      migrationsFolder: migrationsFolder(),
      // Each schema keeps its own record of what was applied.
      migrationsSchema: opts.schema ?? "drizzle",
    });
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
  } finally {
    await client.end();
  }
  const pool = new pg.Pool(config);
  // An idle connection the server drops is replaced by the pool; the error is not fatal.
  pool.on("error", () => {});
  return postgresDatabase(pool, opts.describe);
}
