/**
 * Runs `rapport <args>` from source (tsx) to its end and gives back its exit code and
 * everything it printed: for the commands and start-ups that are meant to stop by
 * themselves (an error, a one-shot command). A process still running after `limitMs`
 * is killed and reported with code null, so a test that expected an exit fails with
 * the output rather than hanging the suite.
 */
import { spawn } from "node:child_process";

export interface CliRun {
  code: number | null;
  output: string;
}

export async function runCli(
  args: readonly string[],
  env: Record<string, string | undefined>,
  limitMs = 60_000,
): Promise<CliRun> {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) merged[k] = v;
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    env: merged,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const limit = setTimeout(() => child.kill("SIGKILL"), limitMs);
  const code = await new Promise<number | null>((ok) => child.once("exit", (c) => ok(c)));
  clearTimeout(limit);
  return { code, output };
}
