/**
 * The Postgres server tests use: TEST_POSTGRES_URL, else a postgres:// DATABASE_URL, else
 * the local server the README names. Each test keeps its tables in a schema of its own.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { isPostgresUrl } from "../../src/config/database.js";

export const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/test";

export function testPostgresUrl(): string {
  if (process.env.TEST_POSTGRES_URL) return process.env.TEST_POSTGRES_URL;
  if (isPostgresUrl(process.env.DATABASE_URL)) return process.env.DATABASE_URL;
  return LOCAL_POSTGRES;
}

/** Why Postgres cannot be used here, or null when it can. */
export async function postgresUnavailable(url = testPostgresUrl()): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return null;
  } catch (err) {
    return `no Postgres at ${url} (${(err as Error).message}); set TEST_POSTGRES_URL to run the Postgres half`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh schema name; `dropSchema` removes it. */
export const freshSchema = (prefix = "t_") => `${prefix}${randomBytes(6).toString("hex")}`;

export async function dropSchema(schema: string, url = testPostgresUrl()): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Drops every schema whose name starts with `prefix` (what a test run left behind). */
export async function dropSchemasLike(prefix: string, url = testPostgresUrl()): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "select nspname as name from pg_namespace where starts_with(nspname, $1)",
      [prefix],
    );
    for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    return rows.length;
  } finally {
    await client.end();
  }
}
