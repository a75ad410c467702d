/**
 * `npm run bench:path`: the worker's own work per registration, in one process, with
 * nothing else in the measurement: the events job's body (ingest, start the thank-you
 * run, its first step) and the first send (claim, context, render, mark sent) on a real
 * SQLite store in a temp dir, a mailer that answers 250 at once (no SMTP, no MIME), and
 * queues on a private Redis (only the run's wake-up job touches them). It prints CPU ms
 * per registration and the store statements per registration. Steadier than the
 * end-to-end figures on a shared machine: what a change to the store, the interpreter
 * or the rendering saves shows here first. BENCH_PATH_N registrations (default 3000);
 * BENCH_PATH_FLOWS the shipped flows kept (below). BENCH_PATH_STORE=postgres runs it on
 * Postgres (BENCH_DATABASE_URL, else a postgres:// DATABASE_URL, else the local server; a
 * schema of its own, dropped after) and also prints the queries (round trips, BEGIN and
 * COMMIT included) per registration.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { createConsentLinks } from "../src/consent/links.js";
import { createConsentTokens } from "../src/consent/tokens.js";
import { silentLogger } from "../src/infra/logger.js";
import { connectRedis } from "../src/infra/redis.js";
import type { JobDeps } from "../src/jobs/deps.js";
import { processEvent } from "../src/jobs/process-event.js";
import { createQueues } from "../src/jobs/queues.js";
import { createReplyAddresses } from "../src/mail/tokens.js";
import type { Mailer } from "../src/mail/transport.js";
import { loadProject } from "../src/project.js";
import { openStore } from "../src/store/open-store.js";
import { openSqliteStore } from "../src/store/sqlite-store.js";
import { dropSchema, freshSchema } from "../test/support/postgres.js";
import { benchPostgresUrl } from "./bench-store.js";
import { startBenchRedis } from "./redis-server.js";

async function main() {
  const n = Number(process.env.BENCH_PATH_N ?? 3000);
  const loaded = await loadProject(resolve("config"));
  if (!loaded.ok) throw new Error(`config/ does not load: ${loaded.problems.join("; ")}`);
  const { project } = loaded;
  // BENCH_PATH_FLOWS: the shipped flows kept (default thank-you alone); "thank-you,birthday,anniversary"
  // adds the date schedules every event recomputes.
  const kept = (process.env.BENCH_PATH_FLOWS ?? "thank-you").split(",").map((s) => s.trim());
  const flows = new Map([...project.flows].filter(([id]) => kept.includes(id)));
  const dir = mkdtempSync(join(tmpdir(), "rapport-path-"));
  const redis = await startBenchRedis();
  const onPostgres = process.env.BENCH_PATH_STORE === "postgres";
  const schema = freshSchema("bench_path_");
  let queries = 0;
  if (onPostgres) {
    // Every query a pooled client sends is one round trip to the server.
    const send = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      queries++;
      return (send as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof send;
  }
  const store = onPostgres
    ? await openStore({ kind: "postgres", url: benchPostgresUrl(), schema, poolSize: 10 })
    : openSqliteStore(join(dir, "rapport.db"));
  const connection = connectRedis(redis.url);
  const queues = createQueues(connection, "path", 100);
  let sent = 0;
  const mailer: Mailer = {
    send: async () => {
      sent++;
      return { response: "250 2.0.0 queued" };
    },
    close: async () => {},
    describe: () => "instant 250",
  };
  const deps: JobDeps = {
    store,
    queues,
    flows,
    templates: project.templates,
    mailer,
    brand: project.brand,
    addresses: createReplyAddresses({ secret: "s".repeat(40), domain: project.brand.replyDomain }),
    consentLinks: createConsentLinks(createConsentTokens("s".repeat(40)), () => "https://example.com"),
    clock: { now: () => Date.now() },
    logger: silentLogger,
    newId: randomUUID,
    waitScale: 1,
    sendLeaseMs: 5 * 60_000,
    // As the worker runs by default (RAPPORT_WAKE_HORIZON_MS): the 14-day wait gets no Redis job.
    wakeHorizonMs: 3600_000,
    sendGiveUpMs: 72 * 3600_000,
    inboundMaxBytes: 10 * 1024 * 1024,
  };
  const register = async (i: number) => {
    const { event } = await store.recordEvent(
      {
        id: `reg-${i}`,
        type: "registration",
        customer: { email: `owner${i}@example.com`, name: "Ada Lovelace" },
        product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: `RD-${i}`, category: "turntable" },
      },
      Date.now(),
    );
    return event.id;
  };
  // Events recorded first (the HTTP process's part), untimed; a warm-up of 300 through the whole path.
  const warm = 300;
  const ids: string[] = [];
  for (let i = 0; i < n + warm; i++) ids.push(await register(i));
  for (const id of ids.slice(0, warm)) await processEvent({ eventId: id }, deps);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const queriesBefore = queries;
  for (const id of ids.slice(warm)) await processEvent({ eventId: id }, deps);
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - started;
  const perRegistration = (queries - queriesBefore) / n;
  if (sent !== n + warm) throw new Error(`sent ${sent} of ${n + warm}`);
  console.log(
    `worker path (events job body + first send, instant mailer), ${onPostgres ? "postgres" : "sqlite"}, ${n} registrations: ${((used.user + used.system) / 1000 / n).toFixed(3)} ms CPU each (user ${(used.user / 1000 / n).toFixed(3)}, system ${(used.system / 1000 / n).toFixed(3)}); ${((n / ms) * 1000).toFixed(0)}/s`,
  );
  if (onPostgres) console.log(`  Postgres queries per registration: ${perRegistration.toFixed(1)}`);
  await queues.close();
  await connection.quit().catch(() => connection.disconnect());
  await store.close();
  if (onPostgres) await dropSchema(schema, benchPostgresUrl());
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
