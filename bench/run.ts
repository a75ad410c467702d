/**
 * npm run bench: every figure of the scale issue in one run, each beside its baseline,
 * then one table (figure | rapport | baseline | ratio | aim | met?). Parts:
 *   rendering   one message, MJML compiled once vs per message        (rendering.ts)
 *   throughput  registrations → thank-you, SQLite/Postgres × 1/2 workers vs raw nodemailer (throughput.ts)
 *   steps       step overhead vs raw BullMQ no-op jobs, SQLite/Postgres   (step-overhead.ts)
 *   rss         worker RSS after BENCH_RSS_REGISTRATIONS registrations  (worker-rss.ts)
 *   broadcast   product news to BENCH_BROADCAST_OWNERS owners, on BENCH_BROADCAST_STORES (sqlite) (broadcast.ts)
 *   waiting     Redis bytes per waiting run, with and without the wake horizon, and wake-up lag (waiting-runs.ts)
 *   sms         SMS/s through rapport → Kannel → fakesmsc vs Kannel's sendsms driven directly (sms.ts)
 * BENCH_ONLY=throughput,steps runs some. Sizes (defaults keep the whole run near 10
 * minutes on 2 cores): see `sizes` below. Postgres: BENCH_DATABASE_URL (else a
 * postgres:// DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test); one schema
 * per measurement, dropped after.
 */
import { spawnSync } from "node:child_process";
import type { StoreKind } from "./bench-store.js";
import { benchBroadcast } from "./broadcast.js";
import { benchFrom } from "./deployment.js";
import { loadAverage } from "./proc-stats.js";
import { benchRendering, thankYouSample } from "./rendering.js";
import { benchSms } from "./sms.js";
import { benchStepOverhead } from "./step-overhead.js";
import { Table } from "./table.js";
import { benchThroughput } from "./throughput.js";
import { benchWaitingRuns } from "./waiting-runs.js";
import { benchWorkerRss } from "./worker-rss.js";

const num = (name: string, fallback: number) => {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}=${v}: expected a positive whole number`);
  return n;
};
const list = (name: string, fallback: string) =>
  (process.env[name] ?? fallback)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

const sizes = {
  messages: num("BENCH_MESSAGES", 2000),
  // Messages sent untimed before a rate's clock starts, on both sides of a comparison with
  // raw nodemailer: processes that have run a while, as a service's have (pools open, JIT
  // settled, caches full). After 200, both sides still got cheaper per message as the run
  // went on (rapport's worker 2.51–2.55 ms CPU per thank-you after 200, 2.08–2.21 after
  // 1,000, 2.05–2.11 after 2,000; raw nodemailer 1.37–1.41, 1.22–1.28, 1.17–1.31 ms).
  warm: num("BENCH_WARM", 1000),
  renders: num("BENCH_RENDERS", 5000),
  mjmlRenders: num("BENCH_MJML_RENDERS", 100),
  stepRuns: num("BENCH_STEP_RUNS", 2000),
  stepWaits: num("BENCH_STEP_WAITS", 4),
  rssRegistrations: num("BENCH_RSS_REGISTRATIONS", 10_000),
  // 100,000 is the figure: about 6 minutes on a busy 2-core machine, so not the default.
  broadcastOwners: num("BENCH_BROADCAST_OWNERS", 20_000),
  broadcastSendSeconds: num("BENCH_BROADCAST_SEND_S", 30),
  waitingRuns: num("BENCH_WAITING_RUNS", 20_000),
  horizonMs: num("BENCH_HORIZON_MS", 20_000),
  smsMessages: num("BENCH_SMS", 1000),
  smsConcurrency: num("BENCH_SMS_CONCURRENCY", 16),
  wakeLeadSeconds: process.env.BENCH_WAKE_LEAD_S ? num("BENCH_WAKE_LEAD_S", 0) : undefined,
};

const PARTS = ["rendering", "throughput", "steps", "rss", "broadcast", "waiting", "sms"] as const;
type Part = (typeof PARTS)[number];

function chosenParts(): Set<Part> {
  const only = list("BENCH_ONLY", PARTS.join(","));
  for (const p of only) {
    if (!(PARTS as readonly string[]).includes(p))
      throw new Error(`BENCH_ONLY: no part "${p}"; parts: ${PARTS.join(", ")}`);
  }
  return new Set(only as Part[]);
}

/** Runs one part and says how long it took (the whole run has a budget of about 10 minutes). */
async function timed(name: string, part: () => Promise<void>): Promise<void> {
  const started = Date.now();
  await part();
  console.log(`  (${name}: ${Math.round((Date.now() - started) / 1000)} s; load average ${loadAverage()})\n`);
}

async function main() {
  const parts = chosenParts();
  const started = Date.now();
  console.log(
    `rapport benchmark — Node ${process.version}, ${new Date().toISOString()}, load average ${loadAverage()}\n`,
  );
  const table = new Table();
  if ([...parts].some((p) => p !== "rendering") && benchFrom() === "built") {
    // rapport processes run the built CLI, as in production (tsx from source adds ~50 MB of RSS and start-up CPU).
    console.log(
      "Building (npm run build) so rapport processes run the built CLI; BENCH_FROM=source skips this\n",
    );
    const built = spawnSync("npm", ["run", "--silent", "build"], { stdio: "inherit" });
    if (built.status !== 0) throw new Error("npm run build failed");
  }
  const run: Record<Part, () => Promise<void>> = {
    rendering: () => benchRendering(table, sizes),
    throughput: async () =>
      benchThroughput(table, {
        messages: sizes.messages,
        warm: sizes.warm,
        sample: await thankYouSample(),
        workers: list("BENCH_WORKERS", "1,2").map(Number),
        stores: list("BENCH_STORES", "sqlite,postgres") as StoreKind[],
      }),
    steps: () =>
      benchStepOverhead(table, {
        runs: sizes.stepRuns,
        waits: sizes.stepWaits,
        stores: list("BENCH_STORES", "sqlite,postgres") as StoreKind[],
      }),
    rss: () => benchWorkerRss(table, { registrations: sizes.rssRegistrations, kind: "sqlite" }),
    broadcast: async () => {
      for (const kind of list("BENCH_BROADCAST_STORES", "sqlite") as StoreKind[])
        await benchBroadcast(table, {
          owners: sizes.broadcastOwners,
          sendSeconds: sizes.broadcastSendSeconds,
          warm: sizes.warm,
          kind,
          sample: await thankYouSample(),
        });
    },
    waiting: () =>
      benchWaitingRuns(table, {
        runs: sizes.waitingRuns,
        horizonMs: sizes.horizonMs,
        ...(sizes.wakeLeadSeconds ? { leadSeconds: sizes.wakeLeadSeconds } : {}),
      }),
    sms: () => benchSms(table, { messages: sizes.smsMessages, concurrency: sizes.smsConcurrency }),
  };
  for (const part of PARTS) if (parts.has(part)) await timed(part, run[part]);
  console.log(
    `Summary (${Math.round((Date.now() - started) / 1000)} s; load average now ${loadAverage()}: other work shares this machine)`,
  );
  console.log(table.render());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
