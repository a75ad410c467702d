/**
 * npm run bench:waits — in process, through advanceRun: Redis bytes per waiting run, with
 * and without the wake horizon (issue 9, item 5: goal ≤ 100 bytes per run waiting beyond
 * the horizon). `npm run bench` measures the same through real processes (waiting-runs.ts).
 *
 * BENCH_WAITING_RUNS registrations (default 10,000) each start the shipped
 * get-to-know-you flow, whose first step is a 3-day wait; every run is advanced through
 * the real step path (advanceRun: interpreter, store transaction, wake-up queued or not)
 * on a SQLite store and a private redis-server (no AOF), whose `INFO memory` used_memory
 * is read before and after. Once with RAPPORT_WAKE_HORIZON_MS at 1 hour (the default:
 * the runs live only in the store), once at 10 days (every run's delayed job in Redis,
 * as before the horizon). Then the promoter is run with the clock an hour before the
 * wake time: the time it takes to queue every run, and what Redis holds after.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createConsentLinks } from "../src/consent/links.js";
import { createConsentTokens } from "../src/consent/tokens.js";
import { initialRun } from "../src/flows/interpreter.js";
import { startEmbeddedRedis } from "../src/infra/embedded-redis.js";
import { silentLogger } from "../src/infra/logger.js";
import { connectRedis } from "../src/infra/redis.js";
import type { JobDeps } from "../src/jobs/deps.js";
import { advanceRun } from "../src/jobs/process-step.js";
import { promoteWakeUps } from "../src/jobs/promote-wake-ups.js";
import { createQueues } from "../src/jobs/queues.js";
import { createReplyAddresses } from "../src/mail/tokens.js";
import { createOutboxMailer } from "../src/mail/transport.js";
import { loadProject } from "../src/project.js";
import { openSqliteStore } from "../src/store/sqlite-store.js";
import type { RunRow } from "../src/store/store.js";

const RUNS = Number(process.env.BENCH_WAITING_RUNS ?? 10_000);
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const GOAL_BYTES = 100;
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });

async function usedMemory(redis: ReturnType<typeof connectRedis>): Promise<number> {
  const info = await redis.info("memory");
  const m = /^used_memory:(\d+)/m.exec(info);
  if (!m?.[1]) throw new Error("INFO memory had no used_memory");
  return Number(m[1]);
}

/** Runs `task(i)` for i in [0, n) with at most `width` in flight. */
async function pool(n: number, width: number, task: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

async function scenario(redisUrl: string, horizonMs: number) {
  const loaded = await loadProject(resolve("config"));
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  const flow = loaded.project.flows.get("get-to-know-you");
  if (!flow) throw new Error("config/flows has no get-to-know-you flow");
  const dir = mkdtempSync(join(tmpdir(), "rapport-bench-waits-"));
  const store = openSqliteStore(join(dir, "bench.db"));
  const redis = connectRedis(redisUrl);
  await redis.flushall();
  const queues = createQueues(redis, `bw${Date.now()}`);
  let now = Date.UTC(2030, 0, 1, 9);
  const clock = { now: () => now };
  const deps: JobDeps = {
    store,
    queues,
    flows: new Map([[flow.id, flow]]),
    pastFlows: new Map(),
    templates: loaded.project.templates,
    mailer: createOutboxMailer(join(dir, "outbox")),
    brand: loaded.project.brand,
    addresses: createReplyAddresses({ secret: "b".repeat(32), domain: loaded.project.brand.replyDomain }),
    consentLinks: createConsentLinks(createConsentTokens("b".repeat(32)), () => "http://127.0.0.1:3000"),
    clock,
    logger: silentLogger,
    newId: randomUUID,
    waitScale: 1,
    wakeHorizonMs: horizonMs,
    sendLeaseMs: 300_000,
    sendGiveUpMs: 72 * HOUR,
    inboundMaxBytes: 10 * 1024 * 1024,
  };

  // The runs, started in the store (no Redis yet).
  const runs: RunRow[] = [];
  await pool(RUNS, 20, async (i) => {
    const { event } = await store.recordEvent(
      {
        id: `reg-${i}`,
        type: "registration",
        customer: { email: `owner${i}@example.com` },
        product: { sku: "LYRA-RD-2780", serial: `RD-${i}` },
      },
      now,
    );
    const started = await store.ingestAndStartRuns(event, now, (ingested) => [
      {
        flowId: flow.id,
        flowVersion: flow.version,
        entryKey: `${flow.id}:${ingested.ownership?.id ?? i}`,
        ownershipId: ingested.ownership?.id ?? null,
        state: initialRun(),
      },
    ]);
    runs.push(...started.runs);
  });
  // Let Redis settle (the queues' own keys, client buffers) before the baseline.
  await queues.steps.getJobCounts();
  const before = await usedMemory(redis);
  const started = performance.now();
  await pool(runs.length, 20, (i) => advanceRun(runs[i] as RunRow, deps));
  const stepMs = performance.now() - started;
  const after = await usedMemory(redis);
  const delayed = await queues.steps.getDelayedCount();
  const waiting = (await store.listRunsWaking(null, Number.MAX_SAFE_INTEGER, RUNS + 1)).length;

  // The promoter, an hour before the runs wake (their wake times span the step time above).
  let promotion: { ms: number; bytesPerRun: number; promoted: number } | null = null;
  if (horizonMs < 3 * DAY) {
    await promoteWakeUps(deps, horizonMs); // the first promotion: nothing within the hour
    now += 3 * DAY - horizonMs + stepMs + 1000;
    const t = performance.now();
    const { promoted } = await promoteWakeUps(deps, horizonMs);
    const ms = performance.now() - t;
    promotion = { ms, promoted, bytesPerRun: ((await usedMemory(redis)) - before) / waiting };
  }
  await queues.close();
  await redis.quit();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { bytesPerRun: (after - before) / waiting, delayed, waiting, stepMs, promotion };
}

async function main() {
  console.log(`rapport waiting-runs benchmark — ${fmt(RUNS)} runs waiting 3 days, Node ${process.version}\n`);
  const redisDir = mkdtempSync(join(tmpdir(), "rapport-bench-redis-"));
  const redis = await startEmbeddedRedis({ dir: redisDir, port: 0, appendOnly: false });
  try {
    const withHorizon = await scenario(redis.url, HOUR);
    const without = await scenario(redis.url, 10 * DAY);
    console.log("Redis used_memory per waiting run (INFO memory, after − before the runs' steps)");
    console.log(
      `  horizon 1 hour (default):      ${fmt(withHorizon.bytesPerRun, 1)} bytes   (${fmt(withHorizon.waiting)} runs waiting, ${fmt(withHorizon.delayed)} delayed jobs)`,
    );
    console.log(
      `  horizon 10 days (as before):   ${fmt(without.bytesPerRun, 1)} bytes   (${fmt(without.waiting)} runs waiting, ${fmt(without.delayed)} delayed jobs)`,
    );
    console.log(
      `  goal ≤ ${GOAL_BYTES} bytes per run beyond the horizon: ${withHorizon.bytesPerRun <= GOAL_BYTES ? "met" : "NOT met"}`,
    );
    console.log(
      `  steps: ${fmt((withHorizon.waiting / withHorizon.stepMs) * 1000)} /s with the horizon, ${fmt((without.waiting / without.stepMs) * 1000)} /s without`,
    );
    if (withHorizon.promotion) {
      const p = withHorizon.promotion;
      console.log("\nPromotion an hour before they wake (pages of 1,000, one addBulk each)");
      console.log(
        `  ${fmt(p.promoted)} runs queued in ${fmt(p.ms)} ms (${fmt((p.promoted / p.ms) * 1000)} /s); Redis then ${fmt(p.bytesPerRun, 1)} bytes per run`,
      );
    }
  } finally {
    await redis.stop();
    rmSync(redisDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
