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
  return target.startsWith("redis://") || target.startsWith("rediss://")
    ? new Redis(target, options)
    : new Redis({ ...options, path: target });
}
