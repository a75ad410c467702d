/**
 * Redis connections for BullMQ. Each Queue and Worker gets its own ioredis client
 * (a Worker blocks its connection while waiting for jobs). maxRetriesPerRequest:null
 * makes commands wait for Redis to come back instead of failing, which is what a
 * worker wants; the HTTP path bounds its own wait separately.
 */
import { Redis, type RedisOptions } from "ioredis";

/** A redis:// URL, or the path of a unix socket (embedded mode). */
export type RedisTarget = string;

export function connectRedis(target: RedisTarget, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra };
  const client =
    target.startsWith("redis://") || target.startsWith("rediss://")
      ? new Redis(target, options)
      : new Redis({ ...options, path: target });
  // Always a listener for connection errors. Outages are reported once each by watchRedis
  // (src/infra/redis-watch.ts) and commands reject on their own; but BullMQ removes its
  // listener from a client it was handed when the queue or worker closes, and a shutdown
  // with Redis away closes those clients only after: meanwhile each reconnect attempt
  // printed "[ioredis] Unhandled error event" and its stack to the console.
  client.on("error", () => {});
  return client;
}
