/**
 * rapport as it is deployed to scale: one `rapport start --role http` process (the API)
 * and N `rapport worker` processes, each a real process started from source
 * (test/support/child-rapport.ts), on one store and one Redis. The bench reads each
 * process's pid for its CPU and RSS.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ChildRapport, startChildRapport } from "../test/support/child-rapport.js";
import { testConfig } from "../test/support/test-env.js";
import type { BenchStore } from "./bench-store.js";

export const BENCH_API_KEY = "bench-key-0123456789abcdefghijkl";

/** How the bench runs rapport: the built CLI (default; what production runs) or from source through tsx. */
export function benchFrom(): "built" | "source" {
  return process.env.BENCH_FROM === "source" ? "source" : "built";
}

export interface DeploymentOptions {
  store: BenchStore;
  redisUrl: string;
  /** smtp://… of the sink; unset: the outbox folder under the data dir (nothing is sent). */
  smtpUrl?: string;
  /** Shipped flows kept (config/flows/<name>.yaml); all when unset. */
  flows?: string[];
  /** Flows of the bench's own: file name (without .yaml) → YAML. */
  extraFlows?: Record<string, string>;
  workers: number;
  /** More settings (e.g. RAPPORT_WAKE_HORIZON_MS). */
  env?: Record<string, string>;
}

export interface Deployment {
  http: ChildRapport;
  workers: ChildRapport[];
  /** Base URL of the API. */
  api: string;
  /** name → pid of every rapport process ("http", "worker1", …), for watchCpu. */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

export async function startDeployment(o: DeploymentOptions): Promise<Deployment> {
  const config = testConfig(o.store.dir, o.flows ? { flows: o.flows } : {});
  for (const [name, yaml] of Object.entries(o.extraFlows ?? {})) {
    writeFileSync(join(config, "flows", `${name}.yaml`), yaml);
  }
  const env: Record<string, string> = {
    REDIS_URL: o.redisUrl,
    DATABASE_URL: o.store.url,
    RAPPORT_DATA_DIR: o.store.dir,
    RAPPORT_CONFIG_DIR: config,
    RAPPORT_QUEUE_PREFIX: "bench",
    RAPPORT_API_KEYS: BENCH_API_KEY,
    SMTP_POOL_SIZE: "5",
    INBOUND_SMTP_PORT: "off",
    // A bench stops its processes once the work is done: nothing is left to finish.
    RAPPORT_SHUTDOWN_GRACE_MS: "2000",
    ...(o.smtpUrl ? { SMTP_URL: o.smtpUrl } : {}),
    ...o.env,
  };
  const started: ChildRapport[] = [];
  // The built CLI, as production runs it (run.ts builds it first); BENCH_FROM=source: through tsx.
  const from = benchFrom();
  try {
    // The HTTP process migrates the store alone; the workers start together after it.
    // BENCH_HTTP_NODE_ARGS: Node flags of the HTTP process alone (as BENCH_WORKER_NODE_ARGS below).
    const httpArgs = (process.env.BENCH_HTTP_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const http = await startChildRapport(env, ["start", "--role", "http"], 120_000, from, httpArgs);
    started.push(http);
    const workers = await Promise.all(
      Array.from({ length: o.workers }, async () => {
        // BENCH_WORKER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"): Node flags of the workers alone.
        const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? "").split(" ").filter(Boolean);
        const w = await startChildRapport(env, "worker", 120_000, from, nodeArgs);
        started.push(w);
        return w;
      }),
    );
    const pids: Record<string, number> = { http: http.child.pid as number };
    workers.forEach((w, i) => {
      pids[`worker${workers.length > 1 ? i + 1 : ""}`] = w.child.pid as number;
    });
    return {
      http,
      workers,
      api: `http://127.0.0.1:${http.port}`,
      pids,
      stop: () => stopAll(started),
    };
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

/**
 * Why rapport would not start, from startChildRapport's error (its "rapport: …" line), or
 * null when the error is something else. The bench reports a store rapport cannot run
 * on yet (Postgres while it is being built) as skipped, not as a crash.
 */
export function startupProblem(err: unknown): string | null {
  const text = err instanceof Error ? err.message : String(err);
  if (!/rapport exited at start|did not come up/.test(text)) return null;
  const line = text.split("\n").find((l) => l.startsWith("rapport: "));
  return `rapport did not start: ${line ? line.slice("rapport: ".length) : text.split("\n")[0]}`;
}

async function stopAll(procs: ChildRapport[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      const code = await p.stop();
      if (code !== 0 && code !== null) console.warn(`rapport exited ${code}:\n${p.output().slice(-2000)}`);
    }),
  );
}

/** An authorized JSON request to the deployment's API. */
export async function api(base: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${BENCH_API_KEY}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
