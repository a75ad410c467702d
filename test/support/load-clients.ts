/**
 * The client side of a load test, off the test's event loop: what a test sends and how it
 * measures must not run on the event loop of the rapport it measures (in a test, rapport
 * runs in the test's process). Nodemailer's dot-stuffing of an 8 MiB message, for one,
 * would otherwise count against rapport's /healthz.
 *
 * startHealthPoller(port, everyMs) asks /healthz in a loop (a process) and keeps each
 * answer's time; startSender() sends raw mail by SMTP (nodemailer) or POSTs it, one at a
 * time, from a process of its own. Times are epoch milliseconds with fractions
 * (performance.timeOrigin + performance.now()), the same clock in every process.
 */
import { spawn } from "node:child_process";
import { setPriority } from "node:os";

export const nowMs = (): number => performance.timeOrigin + performance.now();

const POLLER = `
const now = () => performance.timeOrigin + performance.now();
let polling = true;
process.on("message", () => { polling = false; });
process.on("disconnect", () => process.exit(0));
const port = Number(process.argv[1]);
const everyMs = Number(process.argv[2]);
(async () => {
  while (polling) {
    const at = now();
    try {
      const res = await fetch("http://127.0.0.1:" + port + "/healthz");
      await res.text();
      process.send({ at, ms: now() - at, status: res.status });
    } catch (err) {
      process.send({ at, ms: now() - at, status: 0, error: String(err) });
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  process.disconnect();
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

/**
 * The poller is the measuring instrument, so it is a process of its own (no GC or thread of
 * the test's process in its timings) and, where allowed, at a raised priority: on a machine
 * short of CPU its own wait for a core must not be counted as rapport's latency.
 */
export function startHealthPoller(port: number, everyMs = 20): HealthPoller {
  const child = spawn(process.execPath, ["-e", POLLER, String(port), String(everyMs)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, -10);
    } catch {
      // Not allowed (not root): it runs at normal priority.
    }
  }
  const answers: HealthAnswer[] = [];
  child.on("message", (a: HealthAnswer) => answers.push(a));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    answers,
    // Twice (the test, then its clean-up) is once.
    stop() {
      if (child.connected) child.send("stop");
      return exited;
    },
  };
}

const SENDER = `
const { readFileSync } = require("node:fs");
const nodemailer = require("nodemailer");
process.on("message", async (job) => {
  try {
    const raw = readFileSync(job.file);
    if (job.via === "smtp") {
      const transport = nodemailer.createTransport({ host: "127.0.0.1", port: job.port, secure: false, ignoreTLS: true });
      try {
        const info = await transport.sendMail({ envelope: { from: job.from, to: [job.to] }, raw });
        process.send({ ok: String(info.response) });
      } finally {
        transport.close();
      }
    } else {
      const res = await fetch(job.url, { method: "POST", headers: job.headers, body: raw });
      await res.text();
      process.send({ ok: String(res.status) });
    }
  } catch (err) {
    process.send({ error: String(err) });
  }
});
process.on("disconnect", () => process.exit(0));
`;

/** A message to send, read from `file` (written before the clock starts, so the test's own work is not timed). */
export type SendJob =
  | { via: "smtp"; port: number; from: string; to: string; file: string }
  | { via: "http"; url: string; headers: Record<string, string>; file: string };

export interface Sender {
  /** The SMTP server's last answer, or the HTTP status as text. */
  send(job: SendJob): Promise<string>;
  close(): Promise<void>;
}

/**
 * The sender is a process of its own at the lowest priority: on a machine short of CPU the
 * client's work (nodemailer dot-stuffing 8 MiB) waits, not rapport's event loop, as when a
 * message comes from another machine.
 */
export function startSender(): Sender {
  const child = spawn(process.execPath, ["-e", SENDER], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, 19);
    } catch {
      // Not allowed here: the sender runs at normal priority.
    }
  }
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    send: (job) =>
      new Promise((resolve, reject) => {
        child.once("message", (m: { ok?: string; error?: string }) =>
          m.error !== undefined ? reject(new Error(m.error)) : resolve(m.ok ?? ""),
        );
        child.send(job);
      }),
    close: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      return exited;
    },
  };
}
