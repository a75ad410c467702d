/**
 * A client from connectRedis that cannot reach its Redis (an outage, or a shutdown with
 * Redis away after BullMQ dropped its own listener) prints nothing per reconnect attempt:
 * ioredis writes "[ioredis] Unhandled error event" and a stack to the console for every
 * connection error of a client nobody listens to.
 */
import { createServer } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connectRedis } from "../../src/infra/redis.js";

/** A port nothing listens on: taken from the OS, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

describe("connectRedis with Redis away", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([
    ["a redis:// URL", async () => `redis://127.0.0.1:${await closedPort()}`],
    ["a unix socket path", async () => "/nonexistent/rapport-test-redis.sock"],
  ])("%s: its failed connection attempts print nothing", async (_what, target) => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    // Three attempts, then it gives up and ends.
    const client = connectRedis(await target(), { retryStrategy: (times) => (times < 3 ? 1 : null) });
    const errors: unknown[] = [];
    // The owner's listener comes and goes (as BullMQ's does): it sees the first error only.
    const owner = (err: unknown) => {
      errors.push(err);
      client.off("error", owner);
    };
    client.on("error", owner);
    await new Promise<void>((ok) => client.once("end", () => ok()));
    expect(errors.length).toBe(1);
    expect(printed.mock.calls.filter((c) => String(c[0]).includes("[ioredis]"))).toEqual([]);
  });
});
