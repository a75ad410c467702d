/**
 * The start-up check of Redis's maxmemory-policy, on a private redis-server (its policy is
 * changed here; the shared test Redis is left as it is): a warning when keys may be
 * evicted, nothing when they may not, and a debug line when the server will not say
 * (a managed Redis refusing CONFIG is played by an ACL user without it).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedRedis, startEmbeddedRedis } from "../../src/infra/embedded-redis.js";
import { warnUnlessNoEviction } from "../../src/infra/eviction-policy.js";
import type { Logger } from "../../src/infra/logger.js";
import { connectRedis } from "../../src/infra/redis.js";
import { type Rapport, startRapport } from "../../src/main.js";
import { eventually, testEnv } from "../support/test-env.js";

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}
const WARN = 40;
const DEBUG = 20;

function capture(level = "debug"): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

describe("maxmemory-policy check at start", () => {
  let dir = "";
  let redis: EmbeddedRedis;
  const admin = () => connectRedis(redis.url);
  const cleanup: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "rapport-eviction-"));
    redis = await startEmbeddedRedis({ dir, port: 0, appendOnly: false });
  });
  afterAll(async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setPolicy(policy: string) {
    const c = admin();
    await c.config("SET", "maxmemory-policy", policy);
    await c.quit();
  }

  /** A connection as a user whose ACL forbids the given commands, as a managed Redis may. */
  async function connectWithout(user: string, commands: string[]) {
    const c = admin();
    await c.call(
      "ACL",
      "SETUSER",
      user,
      "reset",
      "on",
      ">pw",
      "~*",
      "&*",
      "+@all",
      ...commands.map((x) => `-${x}`),
    );
    await c.quit();
    const url = new URL(redis.url);
    url.username = user;
    url.password = "pw";
    // No ready check: ioredis's uses INFO, which one of these users may not run.
    const limited = connectRedis(url.toString(), { enableReadyCheck: false });
    cleanup.push(() => limited.quit());
    return limited;
  }

  it("warns, naming the policy, when Redis may evict keys", async () => {
    await setPolicy("allkeys-lru");
    cleanup.push(() => setPolicy("noeviction"));
    const c = admin();
    cleanup.push(() => c.quit());
    const { logger, lines } = capture();
    expect(await warnUnlessNoEviction(c, logger)).toEqual({ policy: "allkeys-lru", source: "config" });
    const warnings = lines.filter((l) => l.level === WARN);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.maxmemoryPolicy).toBe("allkeys-lru");
    expect(warnings[0]?.msg).toMatch(/maxmemory-policy is allkeys-lru, not noeviction.*Redis in production/);
  });

  it("says nothing when the policy is noeviction", async () => {
    await setPolicy("noeviction");
    const c = admin();
    cleanup.push(() => c.quit());
    const { logger, lines } = capture();
    expect(await warnUnlessNoEviction(c, logger)).toEqual({ policy: "noeviction", source: "config" });
    expect(lines).toEqual([]);
  });

  it("reads INFO when CONFIG is refused, and still warns", async () => {
    await setPolicy("volatile-lru");
    cleanup.push(() => setPolicy("noeviction"));
    const limited = await connectWithout("noconfig", ["config"]);
    const { logger, lines } = capture();
    expect(await warnUnlessNoEviction(limited, logger)).toEqual({ policy: "volatile-lru", source: "info" });
    expect(lines.filter((l) => l.level === WARN).map((l) => l.maxmemoryPolicy)).toEqual(["volatile-lru"]);
  });

  it("logs at debug, without a warning, when the server tells neither way", async () => {
    await setPolicy("allkeys-lru");
    cleanup.push(() => setPolicy("noeviction"));
    const limited = await connectWithout("secretive", ["config", "info"]);
    const { logger, lines } = capture();
    const found = await warnUnlessNoEviction(limited, logger);
    expect(found.policy).toBeNull();
    expect(lines.map((l) => l.level)).toEqual([DEBUG]);
    expect(lines[0]?.msg).toMatch(/could not read Redis's maxmemory-policy/);
    expect(String(lines[0]?.reasons)).toMatch(/CONFIG GET maxmemory-policy: NOPERM/);
  });

  it("rapport's start logs the warning for a Redis that may evict", async () => {
    await setPolicy("allkeys-lfu");
    cleanup.push(() => setPolicy("noeviction"));
    const t = testEnv(redis.url, {}, { flows: ["thank-you"] });
    cleanup.push(async () => rmSync(t.dir, { recursive: true, force: true }));
    const { logger, lines } = capture("info");
    // The HTTP role: the check is made by every role, and this one starts no workers.
    const rapport: Rapport = await startRapport({ settings: t.settings, role: "http", logger });
    cleanup.push(() => rapport.close());
    const warning = await eventually(
      async () => lines.find((l) => l.level === WARN && l.maxmemoryPolicy === "allkeys-lfu"),
      "the maxmemory-policy warning",
    );
    expect(warning.msg).toMatch(/not noeviction/);
  });
});
