/**
 * The body of one understanding worker process (see understand-pool.ts): receives raw
 * messages, answers with understandMail's result (cut for transfer) or its error. Started
 * with child_process.fork only, never imported.
 *
 * Protocol: a request `{ id, size, maxBytes? }` comes over IPC and its `size` raw bytes
 * follow on the worker's stdin, requests in order. Why not the raw bytes in the IPC
 * message: "advanced" serialization copies a message several times on the parent's event
 * loop (serializing it, and framing the answer), some 100 ms for 8 MiB on a loaded
 * machine; a pipe is written by libuv straight from the Buffer. Out over IPC: `{ type:
 * "ready" }` once loaded, then `{ id, ok: UnderstoodMail, peakRssBytes }` or `{ id, error:
 * WorkerError, peakRssBytes }` per message, the mail cut by forTransfer so the parent
 * never reads megabytes back. The process ends when its parent goes away.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { MessageTooLargeError } from "./parse-inbound.js";
import { forTransfer, type UnderstoodMail, understandMail } from "./understand.js";

export interface WorkerRequest {
  id: number;
  /** Bytes of the raw message, which follow on stdin. */
  size: number;
  maxBytes?: number;
}

export interface WorkerError {
  name: string;
  message: string;
  size?: number;
  maxBytes?: number;
}

export type WorkerReply =
  | { type: "ready" }
  | { id: number; ok: UnderstoodMail; peakRssBytes: number | null }
  | { id: number; error: WorkerError; peakRssBytes: number | null };

function describe(err: unknown): WorkerError {
  if (err instanceof MessageTooLargeError)
    return { name: err.name, message: err.message, size: err.size, maxBytes: err.maxBytes };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: "Error", message: String(err) };
}

function reply(msg: WorkerReply): void {
  process.send?.(msg);
}

/**
 * Resets the kernel's peak-RSS mark (VmHWM) so the next reading is this message's peak.
 * Linux only; elsewhere (or where /proc is read-only) the reading is the process's peak so far.
 */
function resetPeakRss(): void {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // Not Linux, or not allowed: peakRss falls back to the lifetime peak.
  }
}

/** Peak resident memory since resetPeakRss, in bytes. */
function peakRss(): number | null {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (hwm?.[1]) return Number(hwm[1]) * 1024;
  } catch {
    // Not Linux: below.
  }
  try {
    return process.resourceUsage().maxRSS * 1024;
  } catch {
    return null;
  }
}

/** Requests whose bytes are being read from stdin, oldest first, and the bytes read so far. */
const pending: WorkerRequest[] = [];
let chunks: Buffer[] = [];
let buffered = 0;
/** Messages are understood one at a time, in order. */
let working: Promise<void> = Promise.resolve();

function understandNext(req: WorkerRequest, raw: Buffer): void {
  working = working.then(async () => {
    resetPeakRss();
    const opts = req.maxBytes === undefined ? {} : { maxBytes: req.maxBytes };
    try {
      const mail = await understandMail(raw, opts);
      reply({ id: req.id, ok: forTransfer(mail), peakRssBytes: peakRss() });
    } catch (err) {
      reply({ id: req.id, error: describe(err), peakRssBytes: peakRss() });
    }
  });
}

/** Hands every request whose bytes have all arrived to understandNext. */
function drain(): void {
  for (;;) {
    const req = pending[0];
    if (!req || buffered < req.size) return;
    const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, buffered);
    pending.shift();
    understandNext(req, all.subarray(0, req.size));
    const rest = all.subarray(req.size);
    chunks = rest.length > 0 ? [rest] : [];
    buffered = rest.length;
  }
}

if (process.send) {
  process.on("message", (req: WorkerRequest) => {
    pending.push(req);
    drain();
  });
  process.stdin.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    drain();
  });
  // An orphan has nobody to answer: end with the parent.
  process.on("disconnect", () => process.exit(0));
  reply({ type: "ready" });
}
