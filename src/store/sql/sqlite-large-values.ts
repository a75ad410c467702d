/**
 * A thread with a SQLite connection of its own for statements that carry a large value (a
 * raw inbound message, up to INBOUND_MAX_BYTES). better-sqlite3 is synchronous: on the main
 * connection, storing an 8 MiB message and reading it back cost some 20–70 ms each of the
 * event loop that answers /healthz, SMTP and HTTP (more on a loaded machine), most of it
 * SQLite walking the value's overflow pages. Here the event loop only posts the statement
 * and waits.
 *
 * Contract: startLargeValueThread(location, driverPath) → { get, close }. `get(text, values)`
 * runs one statement (already bound for SQLite: text with `?`, values in order) and resolves
 * to its first row or undefined; Buffers in the row are moved to the caller, not copied. The
 * statement commits on its own. An error in the statement rejects that call only; if the
 * thread itself fails, every call waiting rejects and later ones reject at once with
 * ThreadGoneError, so the caller can use its own connection instead.
 */
import { Worker } from "node:worker_threads";

export class ThreadGoneError extends Error {
  constructor(why: string) {
    super(`the SQLite large-value thread stopped: ${why}`);
    this.name = "ThreadGoneError";
  }
}

export interface LargeValueThread {
  get<Row>(text: string, values: unknown[]): Promise<Row | undefined>;
  close(): Promise<void>;
}

type Reply = { id: number; row?: Record<string, unknown> } | { id: number; error: string };

const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.location);
db.pragma("busy_timeout = 5000");
db.pragma("synchronous = NORMAL");
db.pragma("foreign_keys = ON");
const statements = new Map();
parentPort.on("message", (msg) => {
  if (msg === "stop") {
    db.close();
    parentPort.close();
    return;
  }
  try {
    let s = statements.get(msg.text);
    if (!s) {
      s = db.prepare(msg.text);
      if (statements.size < 100) statements.set(msg.text, s);
    }
    const row = s.reader ? s.get(...msg.values) : (s.run(...msg.values), undefined);
    // Move each Buffer that owns its memory whole; copy one that shares it.
    const transfer = [];
    if (row) {
      for (const [k, v] of Object.entries(row)) {
        if (!Buffer.isBuffer(v)) continue;
        const own = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v : Buffer.from(v);
        row[k] = new Uint8Array(own.buffer, own.byteOffset, own.byteLength);
        transfer.push(own.buffer);
      }
    }
    parentPort.postMessage({ id: msg.id, row }, transfer);
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
  }
});
`;

export function startLargeValueThread(location: string, driverPath: string): LargeValueThread {
  const worker = new Worker(THREAD, { eval: true, workerData: { location, driver: driverPath } });
  const waiting = new Map<number, { ok: (row: unknown) => void; fail: (err: Error) => void }>();
  let nextId = 0;
  let gone: ThreadGoneError | null = null;
  const stop = (why: string) => {
    gone ??= new ThreadGoneError(why);
    for (const w of waiting.values()) w.fail(gone);
    waiting.clear();
  };
  worker.on("message", (msg: Reply) => {
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if ("error" in msg) return w.fail(new Error(msg.error));
    const row = msg.row;
    if (row) {
      // Back to the Buffers better-sqlite3 gives on the main connection (a view, no copy).
      for (const [k, v] of Object.entries(row))
        if (v instanceof Uint8Array) row[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
    w.ok(row);
  });
  worker.on("error", (err) => stop(err.message));
  worker.on("exit", (code) => stop(`exit code ${code}`));
  // Idle, it is no reason to keep the process alive.
  worker.unref();
  return {
    get<Row>(text: string, values: unknown[]) {
      if (gone) return Promise.reject(gone);
      const id = nextId++;
      return new Promise<Row | undefined>((ok, fail) => {
        waiting.set(id, { ok: ok as (row: unknown) => void, fail });
        // Held while a statement is in flight, so the answer is not lost to an exit.
        worker.ref();
        worker.postMessage({ id, text, values });
      }).finally(() => {
        if (waiting.size === 0) worker.unref();
      });
    },
    async close() {
      if (gone) return;
      const exited = new Promise((r) => worker.once("exit", r));
      worker.ref();
      worker.postMessage("stop");
      await exited;
    },
  };
}
