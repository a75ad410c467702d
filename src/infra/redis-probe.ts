/**
 * Start-up check of a Redis rapport was told to use (REDIS_URL): does it answer PING
 * within `timeoutMs`? Tried again every 250 ms until then, so a Redis that is still
 * starting next to rapport (a compose file, a service manager) is waited for; an answer
 * that is not a connection problem (wrong password, ACL) is final at once.
 *
 * Contract: never rejects; says why not in words a person can act on.
 */
import { Redis } from "ioredis";
import type { RedisTarget } from "./redis.js";

export type RedisProbe = { ok: true } | { ok: false; reason: string };

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
  "ENOENT",
]);

/** Whether `err` says Redis cannot be reached (as opposed to refusing what was asked). */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message : String(err);
  return /connection is closed|connect ETIMEDOUT|ECONNREFUSED|ECONNRESET|getaddrinfo|timed out/i.test(
    message,
  );
}

async function pingOnce(target: RedisTarget, timeoutMs: number): Promise<RedisProbe & { final?: boolean }> {
  const common = {
    lazyConnect: true,
    connectTimeout: Math.max(100, timeoutMs),
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  };
  const client =
    target.startsWith("redis://") || target.startsWith("rediss://")
      ? new Redis(target, common)
      : new Redis({ ...common, path: target });
  // With no retries connect() rejects with a bare "Connection is closed"; the socket's
  // own error (ECONNREFUSED, ENOTFOUND, …) came as an event just before.
  let socketError: unknown = null;
  client.on("error", (err) => {
    socketError = err;
  });
  try {
    await client.connect();
    const pong = await client.ping();
    return pong === "PONG" ? { ok: true } : { ok: false, reason: `PING answered ${pong}`, final: true };
  } catch (caught) {
    const err = socketError ?? caught;
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, reason, final: !isConnectionError(err) };
  } finally {
    client.disconnect();
  }
}

export async function probeRedis(target: RedisTarget, timeoutMs: number): Promise<RedisProbe> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    const result = await pingOnce(target, left);
    if (result.ok) return result;
    if (result.final || Date.now() + 250 >= deadline) return { ok: false, reason: result.reason };
    await new Promise((r) => setTimeout(r, 250));
  }
}
