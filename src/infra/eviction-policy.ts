/**
 * Warns at start when the Redis server may evict keys. BullMQ requires
 * `maxmemory-policy noeviction`: a server that evicts when full drops whichever keys its
 * policy picks (a waiting job, a job's lock, a queue's bookkeeping) without a word, and
 * queues then lose, stall or repeat work until the sweeper notices. With noeviction a
 * full Redis refuses writes instead, which rapport sees and retries.
 *
 * CONFIG GET asks first. Managed services (ElastiCache, MemoryDB, …) refuse CONFIG or
 * let an ACL forbid it, but most still show the policy in INFO memory, so that is read
 * next; a server that tells neither gets a debug line, not a warning, since nothing is
 * known to be wrong (the README says what to set). BullMQ itself prints a bare console
 * line for a wrong policy it reads from INFO; this one goes to rapport's log with what to do.
 */
import type { Redis } from "ioredis";
import type { Logger } from "./logger.js";

export type EvictionPolicy =
  | { policy: string; source: "config" | "info" }
  | { policy: null; reasons: string[] };

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The server's maxmemory-policy, or why it could not be read. Never rejects. */
export async function readEvictionPolicy(redis: Redis): Promise<EvictionPolicy> {
  const reasons: string[] = [];
  try {
    const reply = (await redis.config("GET", "maxmemory-policy")) as unknown;
    // ["maxmemory-policy", "noeviction"]; an empty list from a server that does not know the name.
    const value = Array.isArray(reply) ? reply[1] : undefined;
    if (typeof value === "string" && value !== "") return { policy: value, source: "config" };
    reasons.push(`CONFIG GET maxmemory-policy answered ${JSON.stringify(reply)}`);
  } catch (err) {
    reasons.push(`CONFIG GET maxmemory-policy: ${message(err)}`);
  }
  try {
    const line = (await redis.info("memory")).split(/\r?\n/).find((l) => l.startsWith("maxmemory_policy:"));
    const value = line?.slice("maxmemory_policy:".length).trim();
    if (value) return { policy: value, source: "info" };
    reasons.push("INFO memory has no maxmemory_policy line");
  } catch (err) {
    reasons.push(`INFO memory: ${message(err)}`);
  }
  return { policy: null, reasons };
}

/** Logs a warning when the policy is not noeviction; a debug line when it cannot be read. Never rejects. */
export async function warnUnlessNoEviction(redis: Redis, logger: Logger): Promise<EvictionPolicy> {
  const found = await readEvictionPolicy(redis);
  if (found.policy === null) {
    logger.debug(
      { reasons: found.reasons },
      "could not read Redis's maxmemory-policy (a managed Redis may refuse CONFIG); it must be noeviction",
    );
  } else if (found.policy !== "noeviction") {
    logger.warn(
      { maxmemoryPolicy: found.policy },
      `Redis's maxmemory-policy is ${found.policy}, not noeviction: when Redis is full it evicts keys, queued jobs and their locks among them, and BullMQ requires that it never does. Set maxmemory-policy noeviction (README: "Redis in production")`,
    );
  }
  return found;
}
