/**
 * Losing Redis while running: a real `rapport start` on a private redis-server (never the
 * shared one) answers /readyz 200, then 503 naming Redis once that server is killed, with
 * one warning instead of a line per reconnect of every queue; 200 again when a Redis
 * comes back on that port. And SIGTERM stops it with Redis away, within the grace
 * period and the time closing the rest may take.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type EmbeddedRedis, startEmbeddedRedis } from "../../src/infra/embedded-redis.js";
import { CLOSE_REST_MS } from "../../src/main.js";
import { type ChildRapport, startChildRapport } from "../support/child-rapport.js";
import { eventually, testEnv } from "../support/test-env.js";

/**
 * Longer than closing takes with Redis away and no job running (two parts, each cut after
 * BULLMQ_CLOSE_MS, plus process exit on a busy machine): such a shutdown must not sit out
 * the grace period waiting for Redis.
 */
const GRACE_MS = 15_000;
/** Process exit and scheduling slack on a busy machine, on top of grace + CLOSE_REST_MS. */
const SLACK_MS = 5000;

async function readyz(
  port: number,
): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as never };
}

describe("readiness and Redis going away", () => {
  const children: ChildRapport[] = [];
  const servers: EmbeddedRedis[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.child.exitCode === null) await c.kill();
    for (const s of servers.splice(0)) await s.stop();
  });

  it("/readyz turns 503 when its Redis is killed, 200 when it is back; one warning; SIGTERM still stops it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-readyz-redis-"));
    const redis = await startEmbeddedRedis({ dir, port: 0, appendOnly: false });
    servers.push(redis);
    const port = (redis.connection as { port: number }).port;
    const t = testEnv(redis.url, { RAPPORT_SHUTDOWN_GRACE_MS: String(GRACE_MS) }, { flows: ["thank-you"] });
    // A generous start limit: the machine running the suite may be busy.
    const child = await startChildRapport(t.env, "start", 60_000);
    children.push(child);

    expect((await fetch(`http://127.0.0.1:${child.port}/healthz`)).status).toBe(200);
    const up = await readyz(child.port);
    expect(up).toEqual({ status: 200, body: { status: "ready", checks: { redis: "ok", store: "ok" } } });

    await redis.stop();
    const down = await eventually(async () => {
      const r = await readyz(child.port);
      return r.status === 503 ? r : null;
    }, "/readyz answering 503");
    expect(down.body.status).toBe("not_ready");
    expect(down.body.checks.store).toBe("ok");
    expect(down.body.checks.redis).toContain(redis.url);
    // Liveness does not depend on Redis.
    expect((await fetch(`http://127.0.0.1:${child.port}/healthz`)).status).toBe(200);
    await eventually(async () => child.output().includes("lost Redis at"), "the warning");

    // A Redis on the same port again: ready again, and said once.
    const again = await startEmbeddedRedis({ dir, port, appendOnly: false });
    servers.push(again);
    await eventually(async () => (await readyz(child.port)).status === 200, "/readyz answering 200 again");
    await eventually(async () => child.output().includes("is back after"), "the all-clear");

    // Away again, then SIGTERM: with no job running it stops within the grace period (before,
    // closing waited on Redis for the grace period and CLOSE_REST_MS, and said a part hung).
    // A job the outage caught half-way may use the grace period: it could still finish.
    await again.stop();
    await eventually(async () => (await readyz(child.port)).status === 503, "/readyz 503 the second time");
    const started = Date.now();
    const code = await child.stop();
    const took = Date.now() - started;
    expect(code).toBe(0);
    const abandoned = child.output().includes("abandoning jobs still running");
    expect(took, child.output()).toBeLessThan(abandoned ? GRACE_MS + CLOSE_REST_MS + SLACK_MS : GRACE_MS);

    const lines = child.output().split("\n");
    expect(lines.filter((l) => l.includes("did not close in time"))).toEqual([]);
    // Two outages, one warning each; no line per reconnect, no stack traces on the console.
    expect(lines.filter((l) => l.includes("lost Redis at")).length).toBe(2);
    // (The Redis that came back is a new, empty one: a job it lost may be named, once.)
    const perRetry = /ECONNREFUSED|Connection is closed|ECONNRESET/;
    expect(
      lines.filter((l) => l.includes("error") && perRetry.test(l) && !l.includes("lost Redis at")),
    ).toEqual([]);
    if (process.env.SHOW_OUTPUT) console.log(child.output());
    expect(lines.filter((l) => l.startsWith("Error: connect"))).toEqual([]);
    const warning = lines.find((l) => l.includes("lost Redis at")) as string;
    expect(JSON.parse(warning).level).toBe(40);
  }, 120_000);
});
