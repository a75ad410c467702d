/**
 * Starts a worker thread, or says how to fork a child process, on a real module of this
 * project, from src or from dist.
 *
 * Built (dist/*.js) the module is loaded as it is. Run from src (tsx, vitest) the module
 * is TypeScript, which node cannot load on a thread or in a process of its own; there the
 * thread first registers tsx's loader (a dev dependency, present wherever src runs) and
 * then imports the module, and a process is given `--import tsx`. The module itself is
 * ordinary, type-checked and linted code either way.
 */
import { Worker, type WorkerOptions } from "node:worker_threads";

/** `sibling` without extension, resolved next to `fromUrl` (pass import.meta.url). */
export function moduleThreadUrl(fromUrl: string, sibling: string): URL {
  const ext = fromUrl.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`${sibling}${ext}`, fromUrl);
}

export function startModuleThread(moduleUrl: URL, opts: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith(".ts")) return new Worker(moduleUrl, opts);
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = [
    `import { register } from ${JSON.stringify(tsx)};`,
    "register();",
    `await import(${JSON.stringify(moduleUrl.href)});`,
  ].join("\n");
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), opts);
}

/** The Node options a child process (fork) needs to run `moduleUrl` (tsx's loader for a .ts module). */
export function moduleProcessExecArgv(moduleUrl: URL): string[] {
  return moduleUrl.pathname.endsWith(".ts") ? ["--import", import.meta.resolve("tsx")] : [];
}
