/**
 * A one-node Redis Cluster for tests: a private redis-server with cluster mode on that
 * owns all 16384 slots. A plain client can talk to it (no key is ever elsewhere), and it
 * checks slots like any cluster: a script or command whose keys hash to different slots
 * is refused with CROSSSLOT, which is what queue keys must never cause.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { Redis } from "ioredis";
import { answersPing, freePort } from "../../src/infra/embedded-redis.js";

export interface ClusterRedis {
  url: string;
  /** A client of its own, for looking at keys; closed by stop(). */
  client: Redis;
  stop(): Promise<void>;
}

export async function startClusterRedis(dir: string): Promise<ClusterRedis> {
  const port = await freePort();
  const args = [
    ...["--port", String(port), "--bind", "127.0.0.1", "--dir", dir],
    ...["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"],
    ...["--save", "", "--appendonly", "no", "--loglevel", "warning"],
  ];
  let output = "";
  const child: ChildProcess = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  let client: Redis | null = null;
  const stop = async () => {
    client?.disconnect();
    if (child.exitCode !== null) return;
    child.kill("SIGKILL");
    await once(child, "exit");
  };
  try {
    const deadline = Date.now() + 15_000;
    const waitUntil = async (ok: () => Promise<boolean>, what: string) => {
      while (!(await ok().catch(() => false))) {
        if (child.exitCode !== null) throw new Error(`cluster-mode redis-server exited at start:\n${output}`);
        if (Date.now() > deadline)
          throw new Error(`cluster-mode redis-server: ${what} within 15 s:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitUntil(() => answersPing({ host: "127.0.0.1", port }), "no answer");
    const c = new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: 0 });
    client = c;
    await c.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
    await waitUntil(
      async () => /cluster_state:ok/.test(String(await c.call("CLUSTER", "INFO"))),
      "cluster_state not ok",
    );
    return { url: `redis://127.0.0.1:${port}`, client: c, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
