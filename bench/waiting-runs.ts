/**
 * Waiting runs: Redis bytes per waiting run, with and without the wake horizon, and the
 * wake-up lag of runs falling due together.
 *
 * `runs` owners (seeded) are reached by ten broadcasts, one per flow bench-wake-k, whose
 * only step is a wait_until the same instant T plus k seconds: every run falls due in
 * the same 10 s. Bytes per waiting run: Redis's used_memory (at rest: no step job left)
 * once the first five broadcasts' runs wait and once all do, the difference over the
 * second half's runs: what each further waiting run costs, once what BullMQ holds
 * whatever the number of runs (kept finished jobs, event streams: bounded by count and
 * age) is full. All of Redis over all runs is printed beside. After T: each run's lag
 * is its completion time (the worker's clock, in the store) minus its due time.
 *
 * The two settings, on the same measurement:
 *  - without the horizon: RAPPORT_WAKE_HORIZON_MS of 10 years, every waiting run holds a
 *    delayed job in Redis, or its share of one (a broadcast page's first steps, hence
 *    their wake-ups, come in batches: wake-up-coalescer.ts);
 *  - with it: RAPPORT_WAKE_HORIZON_MS scaled down to `horizonMs` (promoted every quarter
 *    of it), so the bench's waits of a minute or two lie beyond it: the runs live in the
 *    store until the promoter hands them to BullMQ before T.
 * T is chosen so every run is created before it (and before T − horizon): the first
 * setting's lead is generous, the second's comes from the first's creation rate.
 */
import { loadSettings } from "../src/config/settings.js";
import { openBenchStore } from "./bench-store.js";
import { startBroadcast, until } from "./broadcast-api.js";
import { startDeployment } from "./deployment.js";
import { describeCpu, watchCpu } from "./proc-stats.js";
import { startBenchRedis } from "./redis-server.js";
import { seedOwners } from "./seed-owners.js";
import { fmt, type Table } from "./table.js";

const SPREAD = 10;
const TEN_YEARS_MS = 3650 * 24 * 3600_000;
const BYTES_AIM = 100;
const P99_AIM_MS = 5000;

/** Whether this rapport knows RAPPORT_WAKE_HORIZON_MS (the horizon is merged). */
export const horizonSupported = () => Object.hasOwn(loadSettings({}), "RAPPORT_WAKE_HORIZON_MS");

/** Flow k: wait until T + k seconds (UTC: the seeded customers' time zone), then end. */
function wakeFlow(dueMs: number): string {
  const d = new Date(dueMs);
  const date = d.toISOString().slice(0, 10);
  const at = d.toISOString().slice(11, 16);
  const seconds = d.getUTCSeconds() + d.getUTCMilliseconds() / 1000;
  const offset = seconds > 0 ? `      offset: "${seconds} seconds"\n` : "";
  return `name: Bench wake-up\ntrigger:\n  event: bench_wake\nentry: every_time\nsteps:\n  - wait_until:\n      date: "${date}"\n${offset}      at: "${at}"\n    id: due\n`;
}

/** A slope within Redis's noise of zero (or below) reads as such, not as "-3 B". */
const perRun = (bytes: number) => (bytes < 1 ? `≈ 0 B/run (slope ${fmt(bytes)} B)` : `${fmt(bytes)} B/run`);

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

interface ModeResult {
  bytesPerRun: number;
  totalBytesPerRun: number;
  delayedJobs: number;
  createMs: number;
  /** Lags in ms, or why they were not measured. */
  lag: { p50: number; p99: number; max: number } | string;
}

async function oneSetting(
  runs: number,
  env: Record<string, string>,
  leadMs: number,
  label: string,
): Promise<ModeResult> {
  const redis = await startBenchRedis();
  const store = await openBenchStore("sqlite");
  const dueMs = Math.ceil((Date.now() + leadMs) / 1000) * 1000;
  const extraFlows = Object.fromEntries(
    Array.from({ length: SPREAD }, (_, k) => [`bench-wake-${k}`, wakeFlow(dueMs + k * 1000)]),
  );
  const deployment = await startDeployment({
    store,
    redisUrl: redis.url,
    flows: [],
    extraFlows,
    workers: 1,
    env,
  });
  try {
    await seedOwners(store, {
      count: runs,
      products: SPREAD,
      sku: "WAKE",
      category: "wake",
      emailPrefix: "wake",
    });
    const count = async (status: string) =>
      Number(
        (await store.all<{ n: number }>("SELECT count(*) AS n FROM flow_runs WHERE status = $1", [status]))[0]
          ?.n,
      );
    // Redis once `n` runs wait and no step job is left to run (only what waiting costs remains).
    const atRest = async (n: number) => {
      await until(
        async () => {
          // A run completed before the wake-up phase was created after its due time: waiting would never end.
          if ((await count("completed")) > 0)
            throw new Error(
              `runs completed before their due time: they were created too late (raise BENCH_WAKE_LEAD_S above ${Math.ceil(leadMs / 1000)})`,
            );
          return (
            (await count("waiting")) >= n &&
            (await redis.client.llen("{bench:steps}:steps:wait")) === 0 &&
            (await redis.client.llen("{bench:steps}:steps:active")) === 0
          );
        },
        `${n} runs waiting`,
        1_800_000,
        250,
      );
      return redis.usedMemory();
    };
    const broadcast = async (k: number) =>
      startBroadcast(deployment.api, {
        id: `wake-${k}`,
        flow: `bench-wake-${k}`,
        audience: { sku: `WAKE-${k}` },
      });
    // Owners i with i % SPREAD < SPREAD / 2: the first half of the broadcasts' audience.
    const half = Array.from({ length: SPREAD / 2 }, (_, k) => Math.ceil((runs - k) / SPREAD)).reduce(
      (a, b) => a + b,
    );
    const before = await redis.usedMemory();
    const watch = watchCpu({ ...deployment.pids, redis: redis.pid });
    const started = Date.now();
    for (let k = 0; k < SPREAD / 2; k++) await broadcast(k);
    await atRest(half);
    const pausedAt = Date.now();
    // Redis settles (BullMQ's kept jobs and event streams are full by now: bounded, not per run).
    await new Promise((r) => setTimeout(r, 1000));
    const mid = await redis.usedMemory();
    const resumed = Date.now();
    for (let k = SPREAD / 2; k < SPREAD; k++) await broadcast(k);
    const end = await atRest(runs);
    const createMs = Date.now() - started - (resumed - pausedAt);
    const createCpu = watch.stop();
    const delayedJobs = await redis.client.zcard("{bench:steps}:steps:delayed");
    const result: ModeResult = {
      // The slope: what each further waiting run adds, once BullMQ's bounded keys are full.
      bytesPerRun: (end - mid) / (runs - half),
      totalBytesPerRun: (end - before) / runs,
      delayedJobs,
      createMs,
      lag: "",
    };
    console.log(
      `  ${label}: ${fmt(runs)} runs waiting after ${fmt(createMs / 1000, 1)} s (${fmt((runs / createMs) * 1000)} runs/s); Redis +${fmt((end - before) / 2 ** 20, 1)} MB in all, ${fmt((end - mid) / 2 ** 20, 2)} MB more for the second ${fmt(runs - half)}; ${fmt(delayedJobs)} delayed jobs`,
    );
    console.log(`    CPU while creating: ${describeCpu(createCpu)}`);
    // With the horizon, every run must have been created beyond it (else it got its job at once).
    const horizonMs = Number(env.RAPPORT_WAKE_HORIZON_MS ?? 0);
    const beyond = horizonMs < TEN_YEARS_MS ? horizonMs : 0;
    if (started + createMs > dueMs - beyond - 1000) {
      result.lag = `not measured: the runs were created too late (raise BENCH_WAKE_LEAD_S above ${Math.ceil(leadMs / 1000)})`;
      return result;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, dueMs - Date.now())));
    const wakeWatch = watchCpu({ ...deployment.pids, redis: redis.pid });
    await until(
      async () => (await count("completed")) >= runs,
      `${runs} runs woken`,
      dueMs + SPREAD * 1000 + 1_800_000 - Date.now(),
      500,
    );
    const wakeCpu = wakeWatch.stop();
    const rows = await store.all<{ flow_id: string; completed_at: number }>(
      "SELECT flow_id, completed_at FROM flow_runs WHERE status = 'completed'",
    );
    const lags = rows
      .map((r) => Number(r.completed_at) - (dueMs + Number(r.flow_id.slice("bench-wake-".length)) * 1000))
      .sort((a, b) => a - b);
    result.lag = { p50: quantile(lags, 0.5), p99: quantile(lags, 0.99), max: lags.at(-1) ?? Number.NaN };
    console.log(
      `    wake-up lag: p50 ${fmt(result.lag.p50)} ms, p99 ${fmt(result.lag.p99)} ms, max ${fmt(result.lag.max)} ms (CPU from the due time to the last wake-up: ${describeCpu(wakeCpu)})`,
    );
    return result;
  } finally {
    await deployment.stop();
    await store.close();
    await redis.stop();
  }
}

export async function benchWaitingRuns(
  table: Table,
  o: { runs: number; horizonMs: number; leadSeconds?: number },
): Promise<void> {
  console.log(`Waiting runs (${fmt(o.runs)} runs due in the same ${SPREAD} s; sqlite, 1 worker)`);
  const without = await oneSetting(
    o.runs,
    { RAPPORT_WAKE_HORIZON_MS: String(TEN_YEARS_MS) },
    // Generous: 700 runs/s, plus time to start.
    o.leadSeconds ? o.leadSeconds * 1000 : (o.runs / 700) * 1000 + 25_000,
    "without the horizon",
  );
  let withIt: ModeResult | string;
  if (!horizonSupported()) {
    withIt = "skipped: this rapport has no RAPPORT_WAKE_HORIZON_MS (the horizon is not merged yet)";
    console.log(`  with the horizon: ${withIt}`);
  } else {
    const lead = o.leadSeconds ? o.leadSeconds * 1000 : without.createMs * 1.5 + o.horizonMs + 15_000;
    withIt = await oneSetting(
      o.runs,
      {
        RAPPORT_WAKE_HORIZON_MS: String(o.horizonMs),
        RAPPORT_WAKE_PROMOTE_EVERY_MS: String(Math.floor(o.horizonMs / 4)),
      },
      lead,
      `with the horizon (${o.horizonMs / 1000} s)`,
    );
  }
  const n = fmt(o.runs);
  const bytes = (r: ModeResult) => `${perRun(r.bytesPerRun)}; all Redis ÷ runs: ${fmt(r.totalBytesPerRun)} B`;
  const lagText = (r: ModeResult) =>
    typeof r.lag === "string"
      ? r.lag
      : `p50 ${fmt(r.lag.p50 / 1000, 2)} s, p99 ${fmt(r.lag.p99 / 1000, 2)} s`;
  if (typeof withIt === "string") {
    table.add({ figure: `Redis per waiting run, ${n} runs, no horizon`, rapport: bytes(without) });
    table.skipped(`Redis per waiting run, ${n} runs, horizon`, withIt.replace(/^skipped: /, ""));
    table.add({
      figure: `wake-up lag, ${n} due in ${SPREAD} s, no horizon`,
      rapport: lagText(without),
      aim: "p99 < 5 s",
      ...(typeof without.lag === "string" ? {} : { met: without.lag.p99 < P99_AIM_MS }),
    });
    return;
  }
  table.add({
    figure: `Redis per waiting run, ${n} runs, horizon`,
    rapport: bytes(withIt),
    baseline: `${bytes(without)} without`,
    ratio: Math.max(0, withIt.bytesPerRun) / without.bytesPerRun,
    aim: `≤ ${BYTES_AIM} B/run`,
    met: withIt.bytesPerRun <= BYTES_AIM,
  });
  table.add({
    figure: `wake-up lag, ${n} due in ${SPREAD} s, horizon`,
    rapport: lagText(withIt),
    baseline: `${lagText(without)} without`,
    aim: "p99 < 5 s",
    ...(typeof withIt.lag === "string" ? {} : { met: withIt.lag.p99 < P99_AIM_MS }),
  });
}
