/**
 * Gives the suite a Redis: the one REDIS_URL names, or a private redis-server on a
 * free port started here (and stopped at the end), so a fresh machine needs nothing
 * running. Tests read it with inject("redisUrl") and isolate themselves by queue prefix.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { type EmbeddedRedis, startEmbeddedRedis } from "../src/infra/embedded-redis.js";
import { dropSchemasLike, postgresUnavailable } from "./support/postgres.js";
import { TEST_SCHEMA_PREFIX } from "./support/test-env.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    /** Tags this run's Postgres schemas (it_<tag>_…), so the teardown drops only its own. */
    schemaRunTag: string;
  }
}

let redis: EmbeddedRedis | null = null;
const schemaRunTag = randomBytes(3).toString("hex");
const onPostgres = process.env.RAPPORT_TEST_STORE === "postgres";
let dir: string | null = null;

export async function setup(project: TestProject) {
  project.provide("schemaRunTag", schemaRunTag);
  if (onPostgres) {
    // Asked for explicitly: a missing server is a failure, not a skip.
    const why = await postgresUnavailable();
    if (why) throw new Error(`RAPPORT_TEST_STORE=postgres: ${why}`);
  }
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    project.provide("redisUrl", fromEnv);
    return;
  }
  dir = mkdtempSync(join(tmpdir(), "rapport-test-redis-"));
  redis = await startEmbeddedRedis({ dir, port: 0, appendOnly: false });
  project.provide("redisUrl", redis.url);
}

export async function teardown() {
  if (onPostgres) await dropSchemasLike(`${TEST_SCHEMA_PREFIX}${schemaRunTag}_`);
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
