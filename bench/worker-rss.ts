/**
 * Worker RSS after many registrations with every shipped flow (each registration sends
 * a thank-you and leaves two runs waiting: thank-you's 14 days, get-to-know-you's 3):
 * the `rapport worker` process's resident memory once every thank-you is at the sink,
 * and its peak, beside the same worker's RSS when it had just started. Redis's bytes
 * per waiting run are printed beside (every waiting run holds a delayed job today).
 */
import type { StoreKind } from "./bench-store.js";
import { benchFrom } from "./deployment.js";
import { describeCpu } from "./proc-stats.js";
import { runRegistrations } from "./registrations.js";
import { startSinkProcess } from "./sink-client.js";
import { fmt, type Table } from "./table.js";

const AIM_MB = 250;

export async function benchWorkerRss(table: Table, o: { registrations: number; kind: StoreKind }) {
  console.log(
    `Worker RSS after ${fmt(o.registrations)} registrations (every shipped flow, ${o.kind}, 1 worker, ${benchFrom()} CLI)`,
  );
  const sink = await startSinkProcess();
  let redisLine = "";
  try {
    const run = await runRegistrations({
      kind: o.kind,
      workers: 1,
      count: o.registrations,
      sink,
      flows: "all",
      // RSS is read after `count` registrations and a warm-up of 200, as it always was.
      warm: 200,
      async after(_d, redis, store) {
        const [row] = await store.all<{ n: number }>(
          "SELECT count(*) AS n FROM flow_runs WHERE status = 'waiting'",
        );
        const waiting = Number(row?.n);
        const bytes = await redis.usedMemory();
        redisLine = `Redis used_memory ${fmt(bytes / 2 ** 20, 1)} MB with ${fmt(waiting)} runs waiting: ${fmt(bytes / Math.max(1, waiting))} B per waiting run (all of Redis, kept finished jobs included)`;
      },
    });
    const start = run.rssAtStart.worker ?? 0;
    const end = run.rssAtEnd.worker ?? { now: 0, peak: 0 };
    console.log(
      `  worker RSS: ${fmt(end.now)} MB after (peak ${fmt(end.peak)} MB), ${fmt(start)} MB at start; HTTP process ${fmt(run.rssAtEnd.http?.now ?? 0)} MB`,
    );
    console.log(`  ${fmt(run.rate)} thank-yous/s; ${redisLine}`);
    console.log(`    CPU: ${describeCpu(run.cpu)}`);
    table.add({
      figure: `worker RSS after ${fmt(o.registrations)} registrations, ${o.kind}`,
      rapport: `${fmt(end.now)} MB (peak ${fmt(end.peak)} MB)`,
      baseline: `${fmt(start)} MB (the worker at start)`,
      aim: `< ${AIM_MB} MB`,
      met: end.now < AIM_MB,
    });
  } finally {
    await sink.stop();
  }
}
