/**
 * Product news to many owners: owners seeded straight into the store (seed-owners.ts),
 * the broadcast started through the HTTP API as an operator would, then: the time
 * until every run is created (the broadcast says done), messages/s at the sink, and the
 * worker's RSS. Messages are counted until all arrive, or for `sendSeconds` after the
 * runs are created when that is shorter (100,000 messages take minutes on 2 cores).
 * Baseline for messages/s: raw pooled nodemailer to the same sink just before.
 */
import { type BenchStore, openBenchStore, type StoreKind } from "./bench-store.js";
import { broadcastDone, startBroadcast } from "./broadcast-api.js";
import { type Deployment, startDeployment } from "./deployment.js";
import { describeCpu, rssMbOf, watchCpu } from "./proc-stats.js";
import { rawNodemailer } from "./raw-nodemailer.js";
import { startBenchRedis } from "./redis-server.js";
import type { RenderedSample } from "./rendering.js";
import { seedOwners } from "./seed-owners.js";
import { startSinkProcess } from "./sink-client.js";
import { fmt, perSecond, type Table } from "./table.js";

const AIM = 0.8;

export async function benchBroadcast(
  table: Table,
  o: { owners: number; sendSeconds: number; warm: number; kind: StoreKind; sample: RenderedSample },
): Promise<void> {
  console.log(`Product news to ${fmt(o.owners)} owners (${o.kind}, HTTP process + 1 worker)`);
  const redis = await startBenchRedis();
  const sink = await startSinkProcess();
  let store: BenchStore | null = null;
  let deployment: Deployment | null = null;
  let rssTimer: NodeJS.Timeout | undefined;
  try {
    const raw = await rawNodemailer(sink.port, o.sample, 2000, o.warm, (n) => sink.waitFor(n, 300_000));
    await sink.reset();
    store = await openBenchStore(o.kind);
    deployment = await startDeployment({
      store,
      redisUrl: redis.url,
      smtpUrl: `smtp://127.0.0.1:${sink.port}`,
      flows: ["product-news"],
      workers: 1,
    });
    const seeded = performance.now();
    await seedOwners(store, {
      count: o.owners,
      products: 2,
      sku: "NEWS",
      category: "turntable",
      emailPrefix: "news",
    });
    const seedMs = performance.now() - seeded;
    const workerPid = deployment.pids.worker as number;
    let peakRss = 0;
    rssTimer = setInterval(() => {
      peakRss = Math.max(peakRss, rssMbOf(workerPid)?.now ?? 0);
    }, 500);
    const watch = watchCpu({ ...deployment.pids, sink: sink.pid, redis: redis.pid });
    const started = performance.now();
    await startBroadcast(deployment.api, {
      id: "news",
      flow: "product-news",
      audience: { category: "turntable" },
      properties: { headline: "A new platter mat", body: "Cork and rubber, cut to fit." },
    });
    const view = await broadcastDone(deployment.api, "news", 1_800_000, 500);
    const createdMs = performance.now() - started;
    const atCreated = await sink.count();
    // Messages until all arrive, or until sendSeconds more have passed.
    const deadline = performance.now() + o.sendSeconds * 1000;
    let delivered = atCreated;
    while (delivered < o.owners && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      delivered = await sink.count();
    }
    const sendMs = performance.now() - started;
    const cpu = watch.stop();
    const rss = rssMbOf(workerPid) ?? { now: 0, peak: 0 };
    const rate = perSecond(delivered, sendMs);
    const ratio = rate / raw.rate;
    const all = delivered >= o.owners;
    console.log(
      `  seeded in ${fmt(seedMs / 1000, 1)} s; ${fmt(view.started)} runs created in ${fmt(createdMs / 1000, 1)} s (${fmt(perSecond(view.started, createdMs))} runs/s), ${fmt(atCreated)} messages sent by then`,
    );
    console.log(
      `  ${fmt(delivered)} messages in ${fmt(sendMs / 1000, 1)} s${all ? " (all)" : ` (stopped after ${o.sendSeconds} s more; BENCH_BROADCAST_SEND_S)`}: ${fmt(rate)} /s vs raw ${fmt(raw.rate)} /s: ${fmt(ratio, 2)}×`,
    );
    console.log(`  worker RSS ${fmt(rss.now)} MB now, peak ${fmt(Math.max(peakRss, rss.peak))} MB`);
    console.log(`    CPU: ${describeCpu(cpu)}`);
    table.add({
      figure: `product news to ${fmt(o.owners)}${onWhich(o.kind)}: all runs created`,
      rapport: `${fmt(createdMs / 1000, 1)} s (${fmt(perSecond(view.started, createdMs))} runs/s)`,
    });
    table.add({
      figure: `product news to ${fmt(o.owners)}${onWhich(o.kind)}: messages/s`,
      rapport: `${fmt(rate)}/s (${fmt(delivered)} ${all ? "all" : "sent"} in ${fmt(sendMs / 1000)} s)`,
      baseline: `${fmt(raw.rate)}/s (raw nodemailer)`,
      ratio,
      aim: `≥ ${AIM}× raw`,
      met: ratio >= AIM,
    });
    table.add({
      figure: `product news to ${fmt(o.owners)}${onWhich(o.kind)}: worker RSS`,
      rapport: `${fmt(rss.now)} MB (peak ${fmt(Math.max(peakRss, rss.peak))} MB)`,
      aim: "< 250 MB",
      met: Math.max(peakRss, rss.peak) < 250,
    });
  } finally {
    clearInterval(rssTimer);
    await deployment?.stop();
    await store?.close();
    await sink.stop();
    await redis.stop();
  }
}

/** SQLite's figures keep their names (the default, compared across sessions); others say their store. */
function onWhich(kind: StoreKind): string {
  return kind === "sqlite" ? "" : ` (${kind})`;
}
