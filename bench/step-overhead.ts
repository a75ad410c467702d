/**
 * Step overhead: what a flow step costs rapport beside what a BullMQ job costs. A flow of
 * `waits` one-millisecond waits (each wake-up is a step: read the run, advance it, write
 * it back in one transaction, queue the next wake-up) runs for `runs` owners, started by a
 * broadcast; beside it, as many raw BullMQ no-op jobs on the same Redis at the same
 * concurrency (raw-bullmq.ts). Rate: steps from the first run created to the last run
 * completed (the store's own timestamps). Steps falling due together share a job as they
 * do in production (a broadcast page's first steps, wake-ups asked for in the same turn:
 * wake-up-coalescer.ts), so a step is not a job of its own. Also printed, to read the gap
 * by: BullMQ alone running the same chains (each no-op job adding its successor with a
 * delay).
 */
import { type BenchStore, openBenchStore, postgresUnavailable, type StoreKind } from "./bench-store.js";
import { broadcastDone, startBroadcast, until } from "./broadcast-api.js";
import { type Deployment, startDeployment, startupProblem } from "./deployment.js";
import { describeCpu, watchCpu } from "./proc-stats.js";
import { rawBullmq, rawBullmqChained } from "./raw-bullmq.js";
import { startBenchRedis } from "./redis-server.js";
import { seedOwners } from "./seed-owners.js";
import { fmt, type Table } from "./table.js";

const AIM = 0.5;
/** RAPPORT_CONCURRENCY's default: the steps worker's concurrency, and the raw worker's. */
const CONCURRENCY = 16;

function stepsFlow(waits: number): string {
  const steps = Array.from({ length: waits }, (_, i) => `  - wait: 0.001 s\n    id: w${i + 1}\n`).join("");
  return `name: Bench steps\ntrigger:\n  event: bench_steps\nentry: every_time\nsteps:\n${steps}`;
}

/** The measurement on each store; a store rapport cannot run on here is reported skipped. */
export async function benchStepOverhead(
  table: Table,
  o: { runs: number; waits: number; stores: StoreKind[] },
): Promise<void> {
  for (const kind of o.stores) {
    const figure = `flow steps/s, ${kind}, 1 worker`;
    const why = kind === "postgres" ? await postgresUnavailable() : null;
    try {
      if (!why) await stepOverheadOn(table, { ...o, kind, figure });
    } catch (err) {
      const problem = startupProblem(err);
      if (!problem) throw err;
      console.log(`  ${figure}: skipped: ${problem}`);
      table.skipped(figure, problem);
    }
    if (why) {
      console.log(`  ${figure}: skipped: ${why}`);
      table.skipped(figure, why);
    }
  }
}

async function stepOverheadOn(
  table: Table,
  o: { runs: number; waits: number; kind: StoreKind; figure: string },
): Promise<void> {
  const jobs = o.runs * (o.waits + 1);
  console.log(
    `Step overhead (${fmt(o.runs)} runs × (start + ${o.waits} waits) = ${fmt(jobs)} steps, ${o.kind}, 1 worker, concurrency ${CONCURRENCY})`,
  );
  const redis = await startBenchRedis();
  let store: BenchStore | null = null;
  let deployment: Deployment | null = null;
  try {
    store = await openBenchStore(o.kind);
    deployment = await startDeployment({
      store,
      redisUrl: redis.url,
      flows: [],
      extraFlows: { "bench-steps": stepsFlow(o.waits) },
      workers: 1,
      env: { RAPPORT_CONCURRENCY: String(CONCURRENCY) },
    });
    await seedOwners(store, {
      count: o.runs,
      products: 1,
      sku: "STEPS",
      category: "bench-steps",
      emailPrefix: "steps",
    });
    const db = store;
    const watch = watchCpu({ ...deployment.pids, redis: redis.pid });
    await startBroadcast(deployment.api, {
      id: "steps",
      flow: "bench-steps",
      audience: { category: "bench-steps" },
    });
    await broadcastDone(deployment.api, "steps", 600_000);
    await until(
      async () => {
        const [row] = await db.all<{ n: number }>(
          "SELECT count(*) AS n FROM flow_runs WHERE status = 'completed'",
        );
        return Number(row?.n) >= o.runs;
      },
      `${o.runs} runs completed`,
      900_000,
      250,
    );
    const cpu = watch.stop();
    const [span] = await db.all<{ first: number; last: number; seq: number }>(
      "SELECT min(created_at) AS first, max(completed_at) AS last, min(seq) AS seq FROM flow_runs",
    );
    // Each run must have woken once per wait: seq counts the advances applied.
    if (Number(span?.seq) < o.waits + 1)
      throw new Error(`a run completed after ${span?.seq} advances, not ${o.waits + 1}`);
    const ms = Number(span?.last) - Number(span?.first);
    const rate = (jobs / ms) * 1000;
    const workerCpu = [...cpu.perProcess]
      .filter(([n]) => n.startsWith("worker"))
      .reduce((a, [, v]) => a + v, 0);
    const raw = await rawBullmq(redis.url, jobs, CONCURRENCY);
    const ratio = rate / raw.rate;
    console.log(
      `  rapport: ${fmt(rate)} steps/s (${fmt(workerCpu / jobs, 2)} ms worker CPU/step); raw BullMQ no-op: ${fmt(raw.rate)} jobs/s (${fmt(raw.cpuMs, 2)} ms CPU/job): ${fmt(ratio, 2)}×`,
    );
    console.log(`    CPU: ${describeCpu(cpu)}`);
    // Beside it, for reading the gap (not the aim's baseline): BullMQ alone doing the chains.
    const chained = await rawBullmqChained(redis.url, o.runs, o.waits, CONCURRENCY);
    console.log(
      `    raw BullMQ chains (each no-op job adds the next with a 1 ms delay, no store): ${fmt(chained.rate)} jobs/s (${fmt(chained.cpuMs, 2)} ms CPU/job); rapport is ${fmt(rate / chained.rate, 2)}× of that`,
    );
    table.add({
      figure: o.figure,
      rapport: `${fmt(rate)}/s, ${fmt(workerCpu / jobs, 2)} ms CPU/step`,
      baseline: `${fmt(raw.rate)}/s, ${fmt(raw.cpuMs, 2)} ms CPU/job (raw BullMQ no-op)`,
      ratio,
      aim: `≥ ${AIM}× raw`,
      met: ratio >= AIM,
    });
  } finally {
    await deployment?.stop();
    await store?.close();
    await redis.stop();
  }
}
