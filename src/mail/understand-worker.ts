/**
 * The body of one understanding worker process (see understand-pool.ts): receives raw
 * messages over IPC, answers with understandMail's result or its error. Started with
 * child_process.fork only, never imported.
 *
 * Protocol (IPC, "advanced" serialization): in `{ id, raw: Uint8Array, maxBytes? }`; out
 * `{ type: "ready" }` once loaded, then `{ id, ok: UnderstoodMail }` or
 * `{ id, error: WorkerError }` per message. The process ends when its parent goes away.
 */
import { MessageTooLargeError } from "./parse-inbound.js";
import { type UnderstoodMail, understandMail } from "./understand.js";

export interface WorkerRequest {
  id: number;
  raw: Uint8Array;
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
  | { id: number; ok: UnderstoodMail }
  | { id: number; error: WorkerError };

function describe(err: unknown): WorkerError {
  if (err instanceof MessageTooLargeError)
    return { name: err.name, message: err.message, size: err.size, maxBytes: err.maxBytes };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: "Error", message: String(err) };
}

function reply(msg: WorkerReply): void {
  process.send?.(msg);
}

if (process.send) {
  process.on("message", (req: WorkerRequest) => {
    const raw = Buffer.from(req.raw.buffer, req.raw.byteOffset, req.raw.byteLength);
    const opts = req.maxBytes === undefined ? {} : { maxBytes: req.maxBytes };
    understandMail(raw, opts).then(
      (ok) => reply({ id: req.id, ok }),
      (err: unknown) => reply({ id: req.id, error: describe(err) }),
    );
  });
  // An orphan has nobody to answer: end with the parent.
  process.on("disconnect", () => process.exit(0));
  reply({ type: "ready" });
}
