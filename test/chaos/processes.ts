/**
 * The real parts a chaos run plays faults on, each a process of its own: a private
 * redis-server (no persistence, so a kill wipes it), the fault-injecting SMTP sink
 * (sink.ts) and its control channel.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { answersPing, freePort } from "../../src/infra/embedded-redis.js";
import type { Mode, SinkMessage } from "./sink.js";

export interface ChaosRedis {
  url: string;
  /** kill -9: with no persistence, everything queued is gone. */
  kill(): Promise<void>;
  /** Starts an empty server on the same port. */
  start(): Promise<void>;
}

export async function startChaosRedis(dir: string): Promise<ChaosRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    const c = spawn("redis-server", [...args, "--dir", dir, "--loglevel", "warning"], { stdio: "ignore" });
    child = c;
    const deadline = Date.now() + 10_000;
    while (!(await answersPing({ host: "127.0.0.1", port }))) {
      if (c.exitCode !== null) throw new Error(`redis-server on port ${port} exited at start`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 10 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      c.kill("SIGKILL");
      await once(c, "exit");
    },
    start,
  };
}

export interface ChaosSink {
  url: string;
  setMode(mode: Mode, opts?: { refuse?: string; every?: number }): Promise<void>;
  reset(): Promise<void>;
  messages(): Promise<SinkMessage[]>;
  refusals(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startChaosSink(): Promise<ChaosSink> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/chaos/sink.ts"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, "line").then(([l]) => String(l)),
    once(child, "exit").then(() => {
      throw new Error("the chaos SMTP sink exited at start");
    }),
  ]);
  const { smtpPort, controlPort } = JSON.parse(first) as { smtpPort: number; controlPort: number };
  const base = `http://127.0.0.1:${controlPort}`;
  const post = async (path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method: "POST", body: JSON.stringify(body ?? {}) });
    if (!res.ok) throw new Error(`sink ${path}: ${res.status} ${await res.text()}`);
  };
  return {
    url: `smtp://127.0.0.1:${smtpPort}`,
    setMode: (mode, opts = {}) => post("/mode", { mode, ...opts }),
    reset: () => post("/reset"),
    messages: async () => (await (await fetch(`${base}/messages`)).json()) as SinkMessage[],
    refusals: async () => (await (await fetch(`${base}/refusals`)).json()) as string[],
    async close() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
