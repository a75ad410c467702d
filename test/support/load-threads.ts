/**
 * The client side of a load test, on threads of its own: what a test sends and how it
 * measures must not run on the event loop of the rapport it measures (in a test, rapport
 * runs in the test's process). Nodemailer's dot-stuffing of an 8 MiB message, for one,
 * would otherwise count against rapport's /healthz.
 *
 * startHealthPoller(port, everyMs) asks /healthz in a loop and keeps each answer's time;
 * startSenderThread() sends raw mail by SMTP (nodemailer) or POSTs it, one at a time. Times
 * are epoch milliseconds with fractions (performance.timeOrigin + performance.now()), the
 * same clock on every thread.
 */
import { Worker } from "node:worker_threads";

export const nowMs = (): number => performance.timeOrigin + performance.now();

const POLLER = `
const { parentPort, workerData } = require("node:worker_threads");
const now = () => performance.timeOrigin + performance.now();
let polling = true;
parentPort.on("message", () => { polling = false; });
(async () => {
  while (polling) {
    const at = now();
    try {
      const res = await fetch("http://127.0.0.1:" + workerData.port + "/healthz");
      await res.text();
      parentPort.postMessage({ at, ms: now() - at, status: res.status });
    } catch (err) {
      parentPort.postMessage({ at, ms: now() - at, status: 0, error: String(err) });
    }
    await new Promise((r) => setTimeout(r, workerData.everyMs));
  }
  parentPort.close();
})();
`;

export interface HealthAnswer {
  at: number;
  ms: number;
  status: number;
  error?: string;
}

export interface HealthPoller {
  answers: HealthAnswer[];
  stop(): Promise<void>;
}

export function startHealthPoller(port: number, everyMs = 20): HealthPoller {
  const worker = new Worker(POLLER, { eval: true, workerData: { port, everyMs } });
  const answers: HealthAnswer[] = [];
  worker.on("message", (a: HealthAnswer) => answers.push(a));
  const exited = new Promise<void>((r) => worker.once("exit", () => r()));
  return {
    answers,
    // Twice (the test, then its clean-up) is once.
    stop() {
      worker.postMessage("stop");
      return exited;
    },
  };
}

const SENDER = `
const { parentPort } = require("node:worker_threads");
const nodemailer = require("nodemailer");
parentPort.on("message", async (job) => {
  try {
    if (job.via === "smtp") {
      const transport = nodemailer.createTransport({ host: "127.0.0.1", port: job.port, secure: false, ignoreTLS: true });
      try {
        const info = await transport.sendMail({ envelope: { from: job.from, to: [job.to] }, raw: Buffer.from(job.raw) });
        parentPort.postMessage({ ok: String(info.response) });
      } finally {
        transport.close();
      }
    } else {
      const res = await fetch(job.url, { method: "POST", headers: job.headers, body: job.raw });
      await res.text();
      parentPort.postMessage({ ok: String(res.status) });
    }
  } catch (err) {
    parentPort.postMessage({ error: String(err) });
  }
});
`;

export type SendJob =
  | { via: "smtp"; port: number; from: string; to: string; raw: Uint8Array }
  | { via: "http"; url: string; headers: Record<string, string>; raw: Uint8Array };

export interface SenderThread {
  /** The SMTP server's last answer, or the HTTP status as text. */
  send(job: SendJob): Promise<string>;
  close(): Promise<void>;
}

export function startSenderThread(): SenderThread {
  const worker = new Worker(SENDER, { eval: true });
  return {
    send: (job) =>
      new Promise((resolve, reject) => {
        worker.once("message", (m: { ok?: string; error?: string }) =>
          m.error !== undefined ? reject(new Error(m.error)) : resolve(m.ok ?? ""),
        );
        worker.postMessage(job);
      }),
    close: () => worker.terminate().then(() => undefined),
  };
}
