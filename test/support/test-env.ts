/**
 * Settings for one isolated rapport in a test: its own store (a SQLite file in a temp
 * dir, or with RAPPORT_TEST_STORE=postgres a Postgres schema of its own), its own queue
 * prefix on the shared test Redis, the real config/ of the project.
 */
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { inject } from "vitest";
import { parseDocument } from "yaml";
import { loadSettings, type Settings } from "../../src/config/settings.js";
import { freshSchema, testPostgresUrl } from "./postgres.js";

export const TEST_API_KEY = "test-key-0123456789abcdefghijklmnop";

export interface TestEnv {
  dir: string;
  env: Record<string, string>;
  settings: Settings;
}

/**
 * A copy of the project's config/ for one test: only the named flows (all by default; all
 * templates stay), so a test about one flow is not disturbed by the others the project
 * ships; and the brand's `sending` policy replaced by `sending` (none by default), so a
 * test does not depend on the hour or the weekday it runs at.
 */
export function testConfig(dir: string, opts: { flows?: string[]; sending?: unknown } = {}): string {
  const config = join(dir, "config");
  cpSync(resolve("config"), config, { recursive: true });
  if (opts.flows) {
    for (const file of readdirSync(join(config, "flows"))) {
      if (!opts.flows.includes(file.replace(/\.ya?ml$/, ""))) rmSync(join(config, "flows", file));
    }
  }
  const brandFile = join(config, "rapport.yaml");
  const brand = parseDocument(readFileSync(brandFile, "utf8"));
  if (opts.sending === undefined) brand.delete("sending");
  else brand.set("sending", opts.sending);
  writeFileSync(brandFile, brand.toString());
  return config;
}

/**
 * Schemas made for integration tests start with `it_` and the run's own tag (given by the
 * global setup), so the global teardown drops this run's schemas and never another run's.
 */
export const TEST_SCHEMA_PREFIX = "it_";

/** The store of one test's rapport: SQLite in its dir, or a fresh Postgres schema. */
export function testDatabaseUrl(dir: string): string {
  if (process.env.RAPPORT_TEST_STORE !== "postgres") return join(dir, "rapport.db");
  const url = new URL(testPostgresUrl());
  url.searchParams.set("schema", freshSchema(`${TEST_SCHEMA_PREFIX}${inject("schemaRunTag")}_`));
  return url.toString();
}

export function testEnv(
  redisUrl: string,
  overrides: Record<string, string> = {},
  opts: { flows?: string[]; sending?: unknown } = {},
): TestEnv {
  const dir = mkdtempSync(join(tmpdir(), "rapport-it-"));
  const env: Record<string, string> = {
    REDIS_URL: redisUrl,
    DATABASE_URL: testDatabaseUrl(dir),
    RAPPORT_DATA_DIR: dir,
    RAPPORT_CONFIG_DIR: testConfig(dir, opts),
    RAPPORT_QUEUE_PREFIX: `t${randomBytes(6).toString("hex")}`,
    RAPPORT_API_KEYS: TEST_API_KEY,
    PORT: "0",
    LOG_LEVEL: "silent",
    INBOUND_SMTP_PORT: "0",
    ...overrides,
  };
  return { dir, env, settings: loadSettings(env) };
}

export async function postEvent(port: number, body: unknown, key = TEST_API_KEY): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/v1/events`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
}

export const registration = (over: { id?: string; email?: string; name?: string } = {}) => ({
  ...(over.id ? { id: over.id } : {}),
  type: "registration",
  customer: {
    email: over.email ?? "ada@example.com",
    name: over.name ?? "Ada Lovelace",
    timezone: "Europe/London",
  },
  product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: "RD-000123", category: "turntable" },
});

export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
