/**
 * rapport's queue keys on Redis Cluster: a one-node cluster (support/cluster-redis.ts)
 * refuses any script whose keys span hash slots, as every cluster does. An untagged
 * prefix is refused there (the control); rapport's hash-tagged prefixes carry a
 * registration through events, steps (a delayed wait included) and deliveries to both
 * messages, every key of a queue in one slot.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectRedis } from "../../src/infra/redis.js";
import { QUEUE_NAMES } from "../../src/jobs/queues.js";
import { startRapport } from "../../src/main.js";
import { type ClusterRedis, startClusterRedis } from "../support/cluster-redis.js";
import { startSmtpSink } from "../support/smtp-sink.js";
import { postEvent, registration, testEnv } from "../support/test-env.js";

const FOURTEEN_DAYS = 14 * 24 * 3600_000;
const WARN = 40;

describe("queue keys on Redis Cluster", () => {
  let dir = "";
  let cluster: ClusterRedis;
  const cleanup: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "rapport-cluster-"));
    cluster = await startClusterRedis(dir);
  });
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it("refuses a queue whose prefix is not a hash tag (the control)", async () => {
    const connection = connectRedis(cluster.url);
    const queue = new Queue("steps", { connection, prefix: "rapport" });
    cleanup.push(async () => {
      await queue.close();
      await connection.quit();
    });
    await expect(queue.add("step", { runId: "r", seq: 0 })).rejects.toThrow(/CROSSSLOT/);
  });

  it("carries a registration to the thank-you and the check-in, each queue's keys in one slot", async () => {
    const sink = await startSmtpSink();
    cleanup.push(() => sink.close());
    const t = testEnv(
      cluster.url,
      {
        SMTP_URL: sink.url,
        RAPPORT_PUBLIC_URL: "https://rapport.example",
        RAPPORT_WAIT_SCALE: String(2000 / FOURTEEN_DAYS),
        RAPPORT_RETRY_BASE_MS: "300",
      },
      { flows: ["thank-you"] },
    );
    cleanup.push(async () => rmSync(t.dir, { recursive: true, force: true }));
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: "warn" }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const rapport = await startRapport({ settings: t.settings, role: "all", logger });
    cleanup.push(() => rapport.close());

    const res = await postEvent(rapport.httpPort as number, registration({ id: "reg-cluster" }));
    expect(res.status).toBe(202);
    const [thanks, checkIn] = await sink.waitFor(2, 20_000);
    expect(thanks?.envelopeTo).toEqual(["ada@example.com"]);
    expect(checkIn?.envelopeTo).toEqual(["ada@example.com"]);
    // No job failed, no worker error (a CROSSSLOT would show as either).
    // (validate's advice about the test's cut-down flows, "config: …", is not about queues)
    expect(lines.filter((l) => l.level >= WARN && !String(l.msg).startsWith("config:"))).toEqual([]);

    const prefix = t.settings.RAPPORT_QUEUE_PREFIX;
    // This rapport's keys (the control above left some of its own).
    const keys = (await cluster.client.keys(`*${prefix}*`)) as string[];
    expect(keys.length).toBeGreaterThan(0);
    const slotsByTag = new Map<string, Set<number>>();
    for (const key of keys) {
      const tag = /^\{([^}]+)\}:/.exec(key)?.[1];
      expect(tag, `key ${key} is not under a hash tag`).toBeDefined();
      const slot = Number(await cluster.client.call("CLUSTER", "KEYSLOT", key));
      slotsByTag.set(tag as string, (slotsByTag.get(tag as string) ?? new Set()).add(slot));
    }
    for (const name of [QUEUE_NAMES.events, QUEUE_NAMES.steps, QUEUE_NAMES.deliveries])
      expect(slotsByTag.get(`${prefix}:${name}`)?.size, `keys of the ${name} queue`).toBe(1);
    for (const [tag, slots] of slotsByTag) expect(slots.size, `slots of {${tag}}`).toBe(1);
  });
});
