/**
 * POST /v1/events through Node's real HTTP server, where the body is read straight from
 * Node's request (src/http/json-body.ts) rather than through a WHATWG Request: a body with
 * a length and a chunked one are both accepted, both are held to the size limit (413),
 * and bad JSON is a 400. http-api.test.ts covers the same route through app.request().
 */

import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createHttpApp } from "../../src/http/app.js";
import { MAX_BODY_BYTES, readJsonBody } from "../../src/http/json-body.js";
import { listen, type RunningServer } from "../../src/http/server.js";
import { silentLogger } from "../../src/infra/logger.js";
import { connectRedis } from "../../src/infra/redis.js";
import { createQueues, jobIds, type Queues } from "../../src/jobs/queues.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { TEST_API_KEY } from "../support/test-env.js";

interface Answer {
  status: number;
  body: string;
}

/** One POST; `chunked` sends the body in two writes without a content-length. */
function post(port: number, path: string, body: string, chunked = false): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${TEST_API_KEY}`,
          ...(chunked ? {} : { "content-length": Buffer.byteLength(body) }),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => ok({ status: res.statusCode ?? 0, body: text }));
      },
    );
    // The server may answer 413 before it has read the body: a reset then is not a failure here.
    req.on("error", (err: NodeJS.ErrnoException) => (err.code === "EPIPE" ? undefined : fail(err)));
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    req.end(body.slice(half));
  });
}

const registration = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id,
    type: "registration",
    customer: { email: "ada@example.com", name: "Ada" },
    product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: `RD-${id}` },
    ...extra,
  });

describe("POST /v1/events on Node's HTTP server", () => {
  let store: Store;
  let queues: Queues;
  let redis: ReturnType<typeof connectRedis>;
  let server: RunningServer;

  beforeAll(async () => {
    store = openSqliteStore(join(mkdtempSync(join(tmpdir(), "rapport-body-")), "t.db"));
    redis = connectRedis(inject("redisUrl"));
    queues = createQueues(redis, `body${Date.now()}`);
    const app = createHttpApp({
      store,
      queues,
      clock: { now: () => 1_800_000_000_000 },
      logger: silentLogger,
      apiKeys: [TEST_API_KEY],
      acceptInbound: async () => {
        throw new Error("not in this test");
      },
      inboundMaxBytes: 4096,
    });
    server = await listen(app, 0, "127.0.0.1");
  });
  afterAll(async () => {
    await server.close();
    await queues.close();
    await redis.quit();
    await store.close();
  });

  it.each([
    ["with a content-length", false],
    ["chunked", true],
  ])("accepts an event %s, stored and queued", async (_how, chunked) => {
    const id = `body-${chunked ? "chunked" : "length"}`;
    const answer = await post(server.port, "/v1/events", registration(id), chunked);
    expect(answer).toEqual({ status: 202, body: JSON.stringify({ eventId: id, duplicate: false }) });
    expect((await store.getEvent(id))?.body.customer?.email).toBe("ada@example.com");
    expect(await queues.events.getJob(jobIds.event(id))).toBeTruthy();
  });

  it.each([
    ["with a content-length", false],
    ["chunked", true],
  ])("refuses a body over the limit %s with 413, storing nothing", async (_how, chunked) => {
    const id = `too-big-${chunked ? "chunked" : "length"}`;
    const body = registration(id, { properties: { blob: "x".repeat(MAX_BODY_BYTES) } });
    const answer = await post(server.port, "/v1/events", body, chunked);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: "too_large" });
    expect(await store.getEvent(id)).toBeNull();
  });

  it("answers 400 to a body that is not JSON, with a length or chunked", async () => {
    for (const chunked of [false, true]) {
      const answer = await post(server.port, "/v1/events", "{not json", chunked);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ error: "invalid_json" });
    }
  });

  it("keeps the connection usable after refusing a body", async () => {
    await post(server.port, "/v1/events", "x".repeat(MAX_BODY_BYTES + 1));
    expect((await post(server.port, "/v1/events", registration("after-refusal"))).status).toBe(202);
  });
});

describe("readJsonBody without a limit in front of it", () => {
  it("stops reading at the limit of a chunked body and says it was too large", async () => {
    const app = new Hono();
    app.post("/", async (c) => {
      const body = await readJsonBody(c, 16);
      return c.json(body);
    });
    const server = await listen(app, 0, "127.0.0.1");
    try {
      expect(JSON.parse((await post(server.port, "/", JSON.stringify({ a: "b" }), true)).body)).toEqual({
        ok: true,
        value: { a: "b" },
      });
      const over = await post(server.port, "/", JSON.stringify({ a: "0123456789abcdef" }), true);
      expect(JSON.parse(over.body)).toEqual({ ok: false, problem: "too_large" });
    } finally {
      await server.close();
    }
  });
});
