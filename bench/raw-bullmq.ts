/**
 * The step baseline: BullMQ itself, no-op jobs with an empty processor, on the same
 * Redis and at the same concurrency as rapport's steps worker, finished jobs kept as
 * rapport keeps them. The jobs are added first (untimed); the clock runs from the
 * worker's start to the last job completed. Runs in this process.
 */
import { Queue, Worker } from "bullmq";
import { connectRedis } from "../src/infra/redis.js";
import { perSecond } from "./table.js";

export interface RawJobsResult {
  rate: number;
  /** CPU ms of this process per job. */
  cpuMs: number;
}

export async function rawBullmq(redisUrl: string, n: number, concurrency: number): Promise<RawJobsResult> {
  const queueConnection = connectRedis(redisUrl);
  const workerConnection = connectRedis(redisUrl);
  const queue = new Queue("raw", { connection: queueConnection, prefix: "{rawbench}" });
  try {
    for (let from = 0; from < n; from += 1000) {
      await queue.addBulk(
        Array.from({ length: Math.min(1000, n - from) }, (_, k) => ({
          name: "step",
          // The size of a step job's data, with an id as unique as a run's.
          data: { runId: `00000000-0000-4000-8000-${String(from + k).padStart(12, "0")}`, seq: 0 },
          opts: { removeOnComplete: { age: 3600, count: 5000 }, removeOnFail: { age: 604800, count: 20000 } },
        })),
      );
    }
    let done = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const finished = new Promise<void>((ok) => {
      const worker = new Worker("raw", async () => {}, {
        connection: workerConnection,
        prefix: "{rawbench}",
        concurrency,
      });
      worker.on("completed", () => {
        if (++done === n) ok(worker.close().then(() => {}));
      });
    });
    await finished;
    return measured(n, started, cpu);
  } finally {
    await closeAll(queue, [queueConnection, workerConnection]);
  }
}

/**
 * The same BullMQ doing what a flow of waits asks of it, with no store and no flow: `runs`
 * chains of `waits + 1` no-op jobs, each job adding its successor with a 1 ms delay (as a
 * step queues the run's next wake-up) under a job id of its own. Not the baseline
 * (the no-op above is): it says how much of the gap is BullMQ's own cost of a delayed add.
 */
export async function rawBullmqChained(
  redisUrl: string,
  runs: number,
  waits: number,
  concurrency: number,
): Promise<RawJobsResult> {
  const queueConnection = connectRedis(redisUrl);
  const workerConnection = connectRedis(redisUrl);
  const queue = new Queue("rawchain", { connection: queueConnection, prefix: "{rawbench}" });
  const opts = { removeOnComplete: { age: 3600, count: 5000 }, removeOnFail: { age: 604800, count: 20000 } };
  const runId = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
  const n = runs * (waits + 1);
  try {
    let done = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const finished = new Promise<void>((ok, fail) => {
      const worker = new Worker<{ runId: string; seq: number }>(
        "rawchain",
        async (job) => {
          const { runId: id, seq } = job.data;
          if (seq < waits)
            await queue.add(
              "step",
              { runId: id, seq: seq + 1 },
              { ...opts, jobId: `run-${id}-${seq + 1}`, delay: 1 },
            );
        },
        { connection: workerConnection, prefix: "{rawbench}", concurrency },
      );
      worker.on("completed", () => {
        if (++done === n) ok(worker.close().then(() => {}));
      });
      worker.on("failed", (_job, err) => fail(err));
    });
    // Started like the broadcast starts the runs: their first jobs added in bulk, timed.
    for (let from = 0; from < runs; from += 1000) {
      await queue.addBulk(
        Array.from({ length: Math.min(1000, runs - from) }, (_, k) => ({
          name: "step",
          data: { runId: runId(from + k), seq: 0 },
          opts: { ...opts, jobId: `run-${runId(from + k)}-0` },
        })),
      );
    }
    await finished;
    return measured(n, started, cpu);
  } finally {
    await closeAll(queue, [queueConnection, workerConnection]);
  }
}

function measured(n: number, started: number, cpu: NodeJS.CpuUsage): RawJobsResult {
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { rate: perSecond(n, ms), cpuMs: (used.user + used.system) / 1000 / n };
}

async function closeAll(queue: Queue, connections: Array<{ quit(): Promise<unknown> }>): Promise<void> {
  await queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  await Promise.all(connections.map((c) => c.quit().catch(() => {})));
}
