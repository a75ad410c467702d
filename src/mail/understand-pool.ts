/**
 * understandMail in a small pool of worker processes, so the event loop that answers HTTP
 * (/healthz), SMTP and the queues never waits on a hostile or merely huge message, and a
 * message that would eat all memory takes down only the worker that read it.
 *
 * Contract: createMailUnderstander({ workers, deadlineMs, maxMemoryMb }) returns
 * `{ understand, close }`. `understand` has understandMail's contract (MailUnderstander) and
 * in addition rejects with MailNotUnderstoodError when a message takes longer than
 * deadlineMs in its worker or makes the worker run out of its maxMemoryMb heap; that worker
 * is ended and a fresh one takes its place, so one message never harms the next. Messages
 * wait in order for a free worker (the deadline starts when a worker takes one). Workers
 * start on first use. `close()` ends them; messages not finished are rejected with a plain
 * Error (shutting down is no fault of the message; its job is tried again later).
 *
 * Why processes and not worker_threads: a thread's resourceLimits are best effort. One large
 * allocation past the limit aborts the whole process instead of the thread (nodejs/node#47224;
 * seen here with 10,000 nested blockquotes), and surviving that is the point of the pool.
 *
 * What crosses between the processes stays cheap for this event loop whatever the message:
 * the raw bytes go down the worker's stdin (libuv writes them from the Buffer; IPC's
 * "advanced" serialization copied 8 MiB several times here, some 100 ms), and the answer
 * comes back cut by forTransfer. `onMeasured` hears each message's time and the worker's
 * peak RSS while it read it (for /metrics).
 *
 * The worker runs understand-worker.ts as a real module: the built .js beside this file
 * under dist, or the .ts source through tsx's loader under tsx and vitest.
 */
import { type ChildProcess, fork } from "node:child_process";
import { setPriority } from "node:os";
import { moduleProcessExecArgv, moduleThreadUrl } from "../infra/module-thread.js";
import { MailNotUnderstoodError, MessageTooLargeError } from "./inbound-errors.js";
import type { ParseOptions } from "./parse-inbound.js";
import type { MailUnderstander, UnderstoodMail } from "./understand.js";
import type { WorkerReply, WorkerRequest } from "./understand-worker.js";

export interface UnderstanderOptions {
  /** Worker processes understanding messages at once (1–2 is plenty: real mail parses in ms). */
  workers?: number;
  /** Longest one message may take in its worker. */
  deadlineMs?: number;
  /** Heap cap per worker (V8 old generation), in MB. */
  maxMemoryMb?: number;
  /**
   * Told after each message a worker answered (understood or not): how long it took there
   * and the worker's peak resident memory while it did (null where the system does not say).
   */
  onMeasured?: (m: { ms: number; peakRssBytes: number | null }) => void;
}

export interface MailUnderstanderPool {
  understand: MailUnderstander;
  close(): Promise<void>;
}

interface Task {
  id: number;
  /** When a worker took it (performance.now()). */
  startedAt: number;
  raw: Uint8Array;
  maxBytes: number | undefined;
  ok: (mail: UnderstoodMail) => void;
  fail: (err: Error) => void;
}

interface Slot {
  child: ChildProcess;
  ready: boolean;
  task: Task | null;
  timer: NodeJS.Timeout | null;
  /** Why the worker is being ended, set before kill() so the exit handler can say so. */
  ending: string | null;
  /** The end of the worker's stderr: V8 says there when it ran out of memory. */
  stderr: string;
}

/** Niceness of the worker processes (0 normal, 19 lowest). */
const WORKER_NICENESS = 10;

/** The worker's module (the build's .js or the source's .ts) and the Node options it needs. */
function workerEntry(maxMemoryMb: number): { path: URL; execArgv: string[] } {
  const path = moduleThreadUrl(import.meta.url, "./understand-worker");
  return { path, execArgv: [`--max-old-space-size=${maxMemoryMb}`, ...moduleProcessExecArgv(path)] };
}

export function createMailUnderstander(opts: UnderstanderOptions = {}): MailUnderstanderPool {
  const workers = Math.max(1, opts.workers ?? 1);
  const deadlineMs = opts.deadlineMs ?? 30_000;
  const maxMemoryMb = opts.maxMemoryMb ?? 256;
  const entry = workerEntry(maxMemoryMb);
  const slots: Slot[] = [];
  const queue: Task[] = [];
  let nextId = 0;
  let closed = false;

  const finish = (slot: Slot): void => {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
  };

  const start = (): void => {
    const child = fork(entry.path, [], {
      execArgv: entry.execArgv,
      serialization: "advanced",
      // stdin carries the raw messages (see understand-worker.ts); stderr says why it died.
      stdio: ["pipe", "ignore", "pipe", "ipc"],
    });
    // A worker killed while a message was being written to it: its exit handler reports it.
    child.stdin?.on("error", () => {});
    const slot: Slot = { child, ready: false, task: null, timer: null, ending: null, stderr: "" };
    // Background work: when the CPU is short, the event loop serving HTTP and SMTP goes first.
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, WORKER_NICENESS);
      } catch {
        // Not allowed here (some containers): the worker runs at normal priority.
      }
    }
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      slot.stderr = (slot.stderr + chunk).slice(-4096);
    });
    child.on("message", (msg: WorkerReply) => {
      if ("type" in msg) {
        slot.ready = true;
        pump();
        return;
      }
      const task = slot.task;
      if (!task || task.id !== msg.id) return;
      finish(slot);
      opts.onMeasured?.({ ms: performance.now() - task.startedAt, peakRssBytes: msg.peakRssBytes });
      if ("ok" in msg) task.ok(msg.ok);
      else if (msg.error.name === "MessageTooLargeError")
        task.fail(new MessageTooLargeError(msg.error.size ?? 0, msg.error.maxBytes ?? 0));
      else task.fail(Object.assign(new Error(msg.error.message), { name: msg.error.name }));
      pump();
    });
    let spawnError: Error | null = null;
    child.on("error", (err) => {
      spawnError = err;
    });
    child.on("exit", (code, signal) => {
      const i = slots.indexOf(slot);
      if (i !== -1) slots.splice(i, 1);
      const task = slot.task;
      finish(slot);
      if (task && closed) {
        task.fail(new Error("the mail understander was closed"));
      } else if (task) {
        const reason =
          slot.ending ??
          (/heap out of memory|allocation failed/i.test(slot.stderr)
            ? `it needed more than the ${maxMemoryMb} MB of memory a message may use`
            : `its worker stopped (${signal ?? `exit code ${code}`})`);
        task.fail(new MailNotUnderstoodError(reason));
      } else if (!slot.ready && !closed) {
        // The worker could not even load: waiting messages fail now (their jobs try again
        // later) rather than wait for a worker that will never come.
        const why =
          (spawnError as Error | null)?.message ??
          (slot.stderr.trim().split("\n").pop() || `exit code ${code}`);
        const err = new Error(`the mail-understanding worker did not start: ${why}`);
        for (const t of queue.splice(0)) t.fail(err);
      }
      pump();
    });
    slots.push(slot);
  };

  const pump = (): void => {
    if (closed) return;
    while (queue.length > 0) {
      const free = slots.find((s) => s.ready && s.task === null);
      if (!free) {
        // Start a worker when there is room; it takes the next message once loaded.
        if (slots.length < workers && !slots.some((s) => !s.ready)) start();
        return;
      }
      const task = queue.shift() as Task;
      free.task = task;
      task.startedAt = performance.now();
      free.timer = setTimeout(() => {
        free.ending = `it took longer than ${deadlineMs} ms`;
        free.child.kill("SIGKILL");
      }, deadlineMs);
      const req: WorkerRequest = {
        id: task.id,
        size: task.raw.length,
        ...(task.maxBytes === undefined ? {} : { maxBytes: task.maxBytes }),
      };
      free.child.send(req);
      // Written from the Buffer by libuv as the pipe takes it, off the event loop's hands.
      free.child.stdin?.write(task.raw);
    }
  };

  const understand: MailUnderstander = (raw, parseOpts: ParseOptions = {}) => {
    if (closed) return Promise.reject(new Error("the mail understander is closed"));
    // The size check is cheap: do it here rather than send a too-large message to a worker.
    const size = typeof raw === "string" ? Buffer.byteLength(raw, "utf8") : raw.length;
    if (parseOpts.maxBytes !== undefined && size > parseOpts.maxBytes)
      return Promise.reject(new MessageTooLargeError(size, parseOpts.maxBytes));
    const bytes = typeof raw === "string" ? Buffer.from(raw, "utf8") : raw;
    return new Promise<UnderstoodMail>((ok, fail) => {
      queue.push({ id: nextId++, startedAt: 0, raw: bytes, maxBytes: parseOpts.maxBytes, ok, fail });
      pump();
    });
  };

  // One worker loads now, so the first message does not wait for a process to start.
  start();

  return {
    understand,
    async close() {
      closed = true;
      const err = new Error("the mail understander is closed");
      for (const t of queue.splice(0)) t.fail(err);
      await Promise.all(
        slots.map(
          (s) =>
            new Promise<void>((done) => {
              if (s.child.exitCode !== null || s.child.signalCode !== null) return done();
              s.child.once("exit", () => done());
              s.child.kill("SIGKILL");
            }),
        ),
      );
    },
  };
}
