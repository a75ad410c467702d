/**
 * Runs `rapport start` or `rapport worker` as a real child process: from source through
 * tsx (tests), or the built CLI in dist/ as production runs it (the benchmark's memory
 * and CPU figures; `npm run build` first).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "../../src/infra/embedded-redis.js";
import { SERVICE_NODE_FLAGS } from "../../src/infra/node-flags.js";

export interface ChildRapport {
  /** The HTTP port; a `rapport worker` process is given one but does not listen on it. */
  port: number;
  /** What the process runs: the HTTP API (healthz answered), the worker (log line seen), or both. */
  serves: { http: boolean; work: boolean };
  child: ChildProcess;
  output(): string;
  /** SIGKILL: the harshest restart, no shutdown code runs. */
  kill(): Promise<void>;
  /** SIGTERM: graceful; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** What `rapport <args>` runs, from its arguments: `worker`, `start --role http`, else both. */
function servesOf(args: readonly string[]): ChildRapport["serves"] {
  if (args[0] === "worker") return { http: false, work: true };
  const role = args.indexOf("--role");
  if (role >= 0 && args[role + 1] === "http") return { http: true, work: false };
  return { http: true, work: true };
}

/** The worker's log line once its queues are taken (src/main.ts). */
const WORKER_UP = "worker running";

export async function startChildRapport(
  env: Record<string, string>,
  /** `start`, `worker`, or the whole argument list, e.g. ["start", "--role", "http"]. */
  command: string | readonly string[] = "start",
  /** How long it may take to come up (a loaded machine starts slowly). */
  startTimeoutMs = 20_000,
  from: "source" | "built" = "source",
  /** Node's own flags before the entry (e.g. --cpu-prof, which NODE_OPTIONS does not take). */
  nodeArgs: readonly string[] = [],
): Promise<ChildRapport> {
  const args = typeof command === "string" ? [command] : [...command];
  const serves = servesOf(args);
  const port = await freePort();
  // Built: with the flags production starts Node with (bin/rapport.js's shebang, the Dockerfile),
  // then the caller's, which win where they name the same flag (V8 takes the last).
  const entry =
    from === "built"
      ? [...SERVICE_NODE_FLAGS, ...nodeArgs, "dist/cli.js"]
      : [...nodeArgs, "--import", "tsx", "src/cli.ts"];
  const child = spawn(process.execPath, [...entry, ...args], {
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
    // Up when what it serves is: /healthz answers, and the worker said it runs.
    const httpUp =
      !serves.http ||
      (await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      ));
    if (httpUp && (!serves.work || out.includes(WORKER_UP))) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`rapport did not come up within ${startTimeoutMs / 1000} s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    serves,
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
