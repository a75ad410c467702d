/**
 * One measured stretch of registrations → delivered thank-yous: a rapport deployment
 * (HTTP process + N workers) on a fresh store and a private Redis, the registrations
 * posted by the load process (bench/load.ts) as a form would, timed until the sink has
 * every thank-you; the CPU of every process involved is read over the same stretch.
 */
import { type BenchStore, openBenchStore, type StoreKind } from "./bench-store.js";
import { BENCH_API_KEY, type Deployment, startDeployment } from "./deployment.js";
import { startLoadProcess } from "./load-client.js";
import {
  type CpuReport,
  pidsNamed,
  rssMbOf,
  threadCpuBetween,
  threadCpuMsOf,
  watchCpu,
} from "./proc-stats.js";
import { type BenchRedis, callsBetween, commandCalls, startBenchRedis } from "./redis-server.js";
import type { SinkProcess } from "./sink-client.js";
import { perSecond } from "./table.js";

export interface RegistrationsRun {
  /** Delivered thank-yous per second, from the first post to the last message at the sink. */
  rate: number;
  /** Registrations the HTTP process accepted (202) per second. */
  acceptRate: number;
  /** CPU ms per message of rapport's own processes (HTTP + workers). */
  cpuMs: number;
  /** CPU ms per message of the worker processes alone (the process that sends, as raw nodemailer's does). */
  workerCpuMs: number;
  /** Redis commands per message over the stretch (INFO commandstats; commands a script calls count too), busiest first. */
  redisCalls: Array<[string, number]>;
  /** The first worker's CPU ms per message by thread name (main, the SMTP sender thread, libuv's pool, …). */
  workerThreads: Array<[string, number]>;
  cpu: CpuReport;
  /** RSS (MB) of each rapport process once up, before the load. */
  rssAtStart: Record<string, number>;
  /** RSS (MB) of each rapport process once every thank-you is delivered: now and its peak. */
  rssAtEnd: Record<string, { now: number; peak: number }>;
}

export interface RegistrationsOptions {
  kind: StoreKind;
  workers: number;
  count: number;
  sink: SinkProcess;
  /** Shipped flows kept; thank-you only by default (the path measured). */
  flows?: string[] | "all";
  /** Registrations sent untimed first (as many as raw nodemailer's warm-up, where compared with it). */
  warm: number;
  /** Called with the deployment once every thank-you is at the sink, before it stops. */
  after?: (d: Deployment, redis: BenchRedis, store: BenchStore) => Promise<void>;
}

export async function runRegistrations(o: RegistrationsOptions): Promise<RegistrationsRun> {
  const redis = await startBenchRedis();
  const store = await openBenchStore(o.kind);
  let deployment: Deployment | null = null;
  const load = await startLoadProcess();
  try {
    await o.sink.reset();
    deployment = await startDeployment({
      store,
      redisUrl: redis.url,
      smtpUrl: `smtp://127.0.0.1:${o.sink.port}`,
      ...(o.flows === "all" ? {} : { flows: o.flows ?? ["thank-you"] }),
      workers: o.workers,
    });
    const rss = () =>
      Object.fromEntries(
        Object.entries((deployment as Deployment).pids).map(([name, pid]) => [
          name,
          rssMbOf(pid) ?? { now: 0, peak: 0 },
        ]),
      );
    const rssAtStart = Object.fromEntries(Object.entries(rss()).map(([n, r]) => [n, r.now]));
    // Warm-up, untimed: the pools open and the JIT settles.
    await load.run(`${deployment.api}/v1/events`, BENCH_API_KEY, o.warm, 20, o.count);
    await o.sink.waitFor(o.warm, 300_000);
    const watch = watchCpu({
      ...deployment.pids,
      bench: process.pid,
      load: load.pid,
      sink: o.sink.pid,
      redis: redis.pid,
      // Every postgres process on the machine (other users' too: the machine is shared).
      ...(o.kind === "postgres" ? { postgres: () => pidsNamed("postgres") } : {}),
    });
    const callsBefore = await commandCalls(redis.client);
    const workerPid = deployment.workers[0]?.child.pid as number;
    const threadsBefore = threadCpuMsOf(workerPid);
    const started = performance.now();
    const acceptedMs = await load.run(`${deployment.api}/v1/events`, BENCH_API_KEY, o.count, 20);
    await o.sink.waitFor(o.warm + o.count, 900_000);
    const ms = performance.now() - started;
    const cpu = watch.stop();
    const workerThreads = threadCpuBetween(threadsBefore, threadCpuMsOf(workerPid)).map(
      ([name, ms]): [string, number] => [name, (ms * o.workers) / o.count],
    );
    const redisCalls = callsBetween(callsBefore, await commandCalls(redis.client)).map(
      ([cmd, n]): [string, number] => [cmd, n / o.count],
    );
    const rssAtEnd = rss();
    const rapportCpu = Object.keys(deployment.pids).reduce(
      (sum, name) => sum + (cpu.perProcess.get(name) ?? 0),
      0,
    );
    const workerCpu = deployment.workers.reduce(
      (sum, _w, i) =>
        sum + (cpu.perProcess.get(`worker${deployment && deployment.workers.length > 1 ? i + 1 : ""}`) ?? 0),
      0,
    );
    await o.after?.(deployment, redis, store);
    return {
      rate: perSecond(o.count, ms),
      acceptRate: perSecond(o.count, acceptedMs),
      cpuMs: rapportCpu / o.count,
      workerCpuMs: workerCpu / o.count,
      redisCalls,
      workerThreads,
      cpu,
      rssAtStart,
      rssAtEnd,
    };
  } finally {
    await load.stop();
    await deployment?.stop();
    await store.close();
    await redis.stop();
  }
}
