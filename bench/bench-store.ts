/**
 * The store of one bench part, as rapport is told to open it (DATABASE_URL) and as the
 * bench reads and seeds it with plain SQL beside the running rapport: a SQLite file in
 * a temp dir, or a Postgres schema of its own (`bench_<random>`: rapport creates it,
 * close() drops it). SQL is written with $1, $2 … placeholders for both.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import type pg from "pg";
import { SqliteDriver } from "../src/store/sqlite-driver.js";

export type StoreKind = "sqlite" | "postgres";

export interface BenchStore {
  kind: StoreKind;
  /** DATABASE_URL for the part's rapport processes. */
  url: string;
  /** A temp dir of the part's own (rapport's data dir, the config copy). */
  dir: string;
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  run(sql: string, params?: unknown[]): Promise<void>;
  /** After every rapport of the part has stopped: closes, drops the schema, removes the dir. */
  close(): Promise<void>;
}

/** The Postgres server the bench uses: BENCH_DATABASE_URL, a postgres:// DATABASE_URL, or the local one. */
export function benchPostgresUrl(): string {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  return given && /^postgres(ql)?:\/\//.test(given) ? given : "postgres://postgres@127.0.0.1:5432/test";
}

/** Why Postgres cannot be benchmarked here, or null when it can. */
export async function postgresUnavailable(): Promise<string | null> {
  const { default: pgm } = await import("pg");
  const client = new pgm.Client({ connectionString: benchPostgresUrl(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return null;
  } catch (err) {
    return `no Postgres at ${benchPostgresUrl()} (${(err as Error).message}); set BENCH_DATABASE_URL`;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function openBenchStore(kind: StoreKind): Promise<BenchStore> {
  const dir = mkdtempSync(join(tmpdir(), "rapport-bench-"));
  return kind === "sqlite" ? sqliteStore(dir) : postgresStore(dir);
}

function sqliteStore(dir: string): BenchStore {
  const file = join(dir, "rapport.db");
  // Opened on first use: the file exists once the first rapport has migrated it.
  let db: Database.Database | null = null;
  const open = () => {
    if (!db) {
      db = new SqliteDriver(file, { fileMustExist: true });
      db.pragma("busy_timeout = 30000");
    }
    return db;
  };
  // better-sqlite3 takes no numbered parameters: $n becomes the named @pn.
  const prepare = (sql: string) => open().prepare(sql.replace(/\$(\d+)/g, "@p$1"));
  const named = (params: unknown[]) => Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v]));
  return {
    kind: "sqlite",
    url: file,
    dir,
    all: async <T>(sql: string, params: unknown[] = []) => prepare(sql).all(named(params)) as T[],
    run: async (sql, params = []) => {
      prepare(sql).run(named(params));
    },
    async close() {
      db?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresStore(dir: string): Promise<BenchStore> {
  const { default: pgm } = await import("pg");
  const schema = `bench_${randomBytes(6).toString("hex")}`;
  const forRapport = new URL(benchPostgresUrl());
  forRapport.searchParams.set("schema", schema);
  const base = new URL(benchPostgresUrl());
  base.searchParams.delete("schema");
  const client: pg.Client = new pgm.Client({
    connectionString: base.toString(),
    // Unqualified table names are the bench schema's; bigint counts read as numbers.
    options: `-c search_path="${schema}"`,
    types: { getTypeParser: (oid, format) => (oid === 20 ? Number : pgm.types.getTypeParser(oid, format)) },
  } as pg.ClientConfig);
  await client.connect();
  return {
    kind: "postgres",
    url: forRapport.toString(),
    dir,
    all: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[],
    run: async (sql, params = []) => {
      await client.query(sql, params);
    },
    async close() {
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
