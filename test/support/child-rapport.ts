/** Runs `rapport start` as a real child process (through tsx, from source) for restart tests. */
import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "../../src/infra/embedded-redis.js";

export interface ChildRapport {
  port: number;
  child: ChildProcess;
  output(): string;
  /** SIGKILL: the harshest restart, no shutdown code runs. */
  kill(): Promise<void>;
  /** SIGTERM: graceful; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startChildRapport(
  env: Record<string, string>,
  command = "start",
  /** How long it may take to answer /healthz (a loaded machine starts slowly). */
  startTimeoutMs = 20_000,
): Promise<ChildRapport> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", command], {
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rapport exited at start:\n${out}`);
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`rapport did not come up within ${startTimeoutMs / 1000} s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    child,
    output: () => out,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}
