/**
 * A private redis-server for one bench part: nothing else's keys in it (so its memory is
 * rapport's alone), its pid known (so its CPU is counted), no persistence (a bench needs
 * none, and AOF rewrites would only add noise), `noeviction` as in production.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "../src/infra/embedded-redis.js";

export interface BenchRedis {
  url: string;
  pid: number;
  /** A connection for the bench's own questions (INFO, MEMORY USAGE, queue counts). */
  client: Redis;
  /** INFO memory's used_memory, in bytes. */
  usedMemory(): Promise<number>;
  stop(): Promise<void>;
}

export async function startBenchRedis(): Promise<BenchRedis> {
  const dir = mkdtempSync(join(tmpdir(), "rapport-bench-redis-"));
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    [
      ...["--port", String(port), "--bind", "127.0.0.1", "--dir", dir],
      ...["--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction", "--loglevel", "warning"],
    ],
    { stdio: "ignore" },
  );
  const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 3 });
  client.on("error", () => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited at start`);
    try {
      await client.connect();
      await client.ping();
      break;
    } catch {
      client.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 10 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid as number,
    client,
    async usedMemory() {
      const info = await client.info("memory");
      return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
    },
    async stop() {
      client.disconnect();
      if (child.exitCode === null) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls per Redis command so far (INFO commandstats): read before and after a stretch. */
export async function commandCalls(client: Redis): Promise<Map<string, number>> {
  const info = await client.info("commandstats");
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1] as string, Number(m[2]));
  return calls;
}

/** Commands called between two commandCalls readings, busiest first (INFO itself left out). */
export function callsBetween(
  before: Map<string, number>,
  after: Map<string, number>,
): Array<[string, number]> {
  return [...after]
    .map(([cmd, n]): [string, number] => [cmd, n - (before.get(cmd) ?? 0)])
    .filter(([cmd, n]) => n > 0 && cmd !== "info")
    .sort((a, b) => b[1] - a[1]);
}
