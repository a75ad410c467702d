/**
 * JSON bodies of the API, read with their size limit (MAX_BODY_BYTES).
 *
 * Served by @hono/node-server, a request's body is read straight from Node's
 * IncomingMessage. Through Hono's own path (`c.req.json()`, and `bodyLimit`, which asks
 * for `c.req.raw.body`) the adapter first builds a full WHATWG Request with a
 * ReadableStream over the socket: on the registration bench that was a sixth of the HTTP
 * process's CPU per event (undici's Request, the web-stream plumbing and their garbage),
 * for a body of a few hundred bytes. Elsewhere (`app.request()` in tests, another
 * runtime) the body is read through Hono as before.
 */
import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

export const MAX_BODY_BYTES = 64 * 1024;

/** The API's answer to a body over the limit. */
export const tooLarge = (c: Context): Response =>
  c.json({ error: "too_large", message: `bodies are limited to ${MAX_BODY_BYTES} bytes` }, 413);

export type JsonBody = { ok: true; value: unknown } | { ok: false; problem: "too_large" | "invalid_json" };

/** Node's request under the context, while no one has started reading its body. */
function unreadNodeRequest(c: Context): IncomingMessage | null {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || typeof incoming.on !== "function") return null;
  return incoming.readableFlowing === null && !incoming.readableEnded ? incoming : null;
}

/** The declared length, when the request declares one (not chunked); NaN otherwise. */
function declaredLength(incoming: IncomingMessage): number {
  if (incoming.headers["transfer-encoding"] !== undefined) return Number.NaN;
  const length = incoming.headers["content-length"];
  return length === undefined ? Number.NaN : Number(length);
}

/**
 * The size limit of the JSON routes: from Node's content-length where the request has
 * one (nothing built, nothing read), else Hono's bodyLimit, which counts as it reads.
 */
export function jsonBodyLimit(): MiddlewareHandler {
  const counting = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
  return (c, next) => {
    const incoming = unreadNodeRequest(c);
    const declared = incoming ? declaredLength(incoming) : Number.NaN;
    if (Number.isNaN(declared)) return counting(c, next);
    return declared > MAX_BODY_BYTES ? Promise.resolve(tooLarge(c)) : next();
  };
}

/** Reads at most `maxBytes` of the body; null when there is more (the rest is drained, not kept). */
function readAtMost(incoming: IncomingMessage, maxBytes: number): Promise<string | null> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("aborted", onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      done();
      // Drained so the connection can carry the next request; Node's request timeout bounds it.
      incoming.resume();
      ok(null);
    };
    const onEnd = () => {
      done();
      ok(Buffer.concat(chunks, size).toString("utf8"));
    };
    const onError = (err: Error) => {
      done();
      fail(err);
    };
    const onAborted = () => onError(new Error("the client went away before the whole body arrived"));
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("aborted", onAborted);
  });
}

/** The request's body as JSON, or why not. */
export async function readJsonBody(c: Context, maxBytes = MAX_BODY_BYTES): Promise<JsonBody> {
  const incoming = unreadNodeRequest(c);
  let text: string;
  if (incoming) {
    const read = await readAtMost(incoming, maxBytes);
    if (read === null) return { ok: false, problem: "too_large" };
    text = read;
  } else {
    text = await c.req.text();
    if (Buffer.byteLength(text) > maxBytes) return { ok: false, problem: "too_large" };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, problem: "invalid_json" };
  }
}
