/**
 * MJML compiled on a thread of its own that ends when loading does.
 *
 * Contract: withMjmlThread(fn) starts the thread, calls fn with a compile function that
 * runs each MJML source there (same results and errors as mjmlToHtml), and terminates the
 * thread when fn settles, whatever happens.
 *
 * Why: mjml and what it pulls in (juice, cheerio, postcss, js-beautify…) cost a process
 * about 55 MB that never goes away once imported, and a service needs MJML only while it
 * loads its templates (the HTML is kept, and Handlebars renders each message). On a thread
 * that memory goes with the thread's isolate.
 *
 * The thread's body is the few lines below, plain JavaScript that imports mjml and nothing
 * of ours: it only calls mjml2html with MJML_OPTIONS and posts what came out as data
 * (mjmlFailure's shape); turning that into template errors happens here, with the code
 * mjmlToHtml uses. So it starts as fast from src (tests, tsx) as from dist.
 */
import { Worker } from "node:worker_threads";
import { MJML_OPTIONS, type MjmlCompile, type MjmlOutcome, type MjmlResult, mjmlResult } from "./mjml.js";

interface Reply {
  id: number;
  outcome: MjmlOutcome;
}

const body = (mjmlUrl: string) => `
import { parentPort, workerData } from "node:worker_threads";
import mjml2html from ${JSON.stringify(mjmlUrl)};
parentPort.on("message", async ({ id, source }) => {
  let outcome;
  try {
    outcome = { html: (await mjml2html(source, workerData.options)).html };
  } catch (err) {
    const issues = Array.isArray(err?.errors)
      ? err.errors.map(({ line, message, tagName }) => ({ line, message, tagName }))
      : [];
    outcome = { failure: { message: String(err?.message ?? err), issues } };
  }
  parentPort.postMessage({ id, outcome });
});`;

export async function withMjmlThread<T>(fn: (compile: MjmlCompile) => Promise<T>): Promise<T> {
  const worker = new Worker(
    new URL(`data:text/javascript,${encodeURIComponent(body(import.meta.resolve("mjml")))}`),
    {
      workerData: { options: MJML_OPTIONS },
    },
  );
  const pending = new Map<
    number,
    { ok: (r: MjmlResult) => void; fail: (e: Error) => void; source: string; file: string }
  >();
  let next = 0;
  let stopped: Error | null = null;
  const failAll = (err: Error) => {
    stopped = err;
    for (const p of pending.values()) p.fail(err);
    pending.clear();
  };
  worker.on("message", (reply: Reply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    p.ok(mjmlResult(reply.outcome, p.source, p.file));
  });
  worker.on("error", (err) => failAll(new Error(`the MJML thread failed: ${err.message}`)));
  worker.on("exit", (code) => failAll(new Error(`the MJML thread stopped (exit code ${code})`)));
  const compile: MjmlCompile = (source, file) =>
    new Promise((ok, fail) => {
      if (stopped) return fail(stopped);
      const id = next++;
      pending.set(id, { ok, fail, source, file });
      worker.postMessage({ id, source });
    });
  try {
    return await fn(compile);
  } finally {
    await worker.terminate();
  }
}
