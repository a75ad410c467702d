/**
 * The HTTP contract with real parts behind it: a SQLite store and BullMQ queues on the
 * test Redis. Events must be stored before 202, and queued.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createHttpApp } from "../../src/http/app.js";
import { silentLogger } from "../../src/infra/logger.js";
import { connectRedis } from "../../src/infra/redis.js";
import { acceptInboundWith } from "../../src/jobs/accept-inbound.js";
import { createQueues, jobIds, type Queues } from "../../src/jobs/queues.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { registration, TEST_API_KEY } from "../support/test-env.js";

describe("HTTP API", () => {
  let store: Store;
  let queues: Queues;
  let redis: ReturnType<typeof connectRedis>;
  let app: ReturnType<typeof createHttpApp>;

  beforeAll(() => {
    store = openSqliteStore(join(mkdtempSync(join(tmpdir(), "rapport-http-")), "t.db"));
    redis = connectRedis(inject("redisUrl"));
    queues = createQueues(redis, `http${Date.now()}`);
    const clock = { now: () => 1_800_000_000_000 };
    app = createHttpApp({
      store,
      queues,
      clock,
      logger: silentLogger,
      apiKeys: [TEST_API_KEY],
      acceptInbound: acceptInboundWith({ store, queues, clock, logger: silentLogger }),
      inboundMaxBytes: 4096,
    });
  });
  afterAll(async () => {
    await queues.close();
    await redis.quit();
    await store.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.request("/v1/events", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TEST_API_KEY}`, ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("answers /healthz without a key", async () => {
    expect((await app.request("/healthz")).status).toBe(200);
  });

  it("refuses events without a valid key", async () => {
    expect((await post(registration(), { authorization: "" })).status).toBe(401);
    expect(
      (await post(registration(), { authorization: "Bearer wrong-key-0123456789abcdefgh" })).status,
    ).toBe(401);
  });

  it("stores and queues a valid event before answering 202", async () => {
    const res = await post(registration({ id: "http-1" }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ eventId: "http-1", duplicate: false });
    expect((await store.getEvent("http-1"))?.status).toBe("received");
    expect(await queues.events.getJob(jobIds.event("http-1"))).toBeTruthy();
  });

  it("names every bad field in a 400", async () => {
    const res = await post({ type: "Registration", customer: { email: "nope", colour: "red" }, extra: 1 });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: Array<{ field: string; message: string }> };
    expect(body.issues.map((i) => i.field).sort()).toEqual(["(body)", "customer", "customer.email", "type"]);
    expect(JSON.stringify(body)).toContain("colour");
  });

  it("refuses what would fail later: a registration without a product, a birthday that does not exist", async () => {
    const res = await post({
      type: "registration",
      customer: { email: "ada@example.com", birthday: "1990-02-30" },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: Array<{ field: string; message: string }> };
    expect(body.issues).toEqual([
      { field: "customer.birthday", message: '"1990-02-30" is not a date: February 1990 has 28 days' },
      { field: "product", message: expect.stringContaining("a registration event names the product") },
    ]);
  });

  it("rejects malformed JSON and oversized bodies", async () => {
    expect((await post("{not json")).status).toBe(400);
    const huge = { ...registration(), properties: { blob: "x".repeat(70 * 1024) } };
    expect((await post(huge)).status).toBe(413);
  });

  it("serves a customer's timeline, and 404 for strangers", async () => {
    await post(registration({ id: "http-2", email: "tim@example.com" }));
    const auth = { headers: { authorization: `Bearer ${TEST_API_KEY}` } };
    expect((await app.request("/v1/customers/nobody@example.com/timeline", auth)).status).toBe(404);
    // The events job creates the customer; do its store part here.
    const event = await store.getEvent("http-2");
    const { customer } = await store.ingestEvent(event as NonNullable<typeof event>, 1);
    await store.startRuns("http-2", customer.id, [], 2);
    const res = await app.request("/v1/customers/TIM@example.com/timeline", auth);
    expect(res.status).toBe(200);
    const tl = (await res.json()) as {
      customer: { email: string; createdAt: unknown };
      events: Array<{ id: string; processedAt: unknown; receivedAt: unknown }>;
    };
    expect(tl.customer.email).toBe("tim@example.com");
    expect(tl.events.map((e) => e.id)).toEqual(["http-2"]);
    // Moments are ISO 8601, not epoch ms; what has not happened stays null.
    expect(tl.customer.createdAt).toBe("1970-01-01T00:00:00.001Z");
    expect(tl.events[0]?.receivedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect((await app.request("/v1/customers/tim@example.com/timeline")).status).toBe(401);
  });

  describe("POST /v1/inbound", () => {
    const raw =
      "From: Ada <ada@example.com>\r\nTo: reply@reply.example\r\nSubject: Re: hi\r\n\r\nLovely.\r\n";
    const postMail = (body: string, query = "", headers: Record<string, string> = {}) =>
      app.request(`/v1/inbound${query}`, {
        method: "POST",
        headers: { "content-type": "message/rfc822", authorization: `Bearer ${TEST_API_KEY}`, ...headers },
        body,
      });

    it("stores the raw message with its envelope and queues it before 202", async () => {
      const res = await postMail(
        raw,
        "?to=Reply%2Babc@reply.example&to=b@reply.example&from=ada@example.com",
      );
      expect(res.status).toBe(202);
      const { inboundId } = (await res.json()) as { inboundId: string };
      const stored = await store.getInbound(inboundId);
      expect(stored?.raw.toString()).toBe(raw);
      expect(stored?.envelopeTo).toEqual(["reply+abc@reply.example", "b@reply.example"]);
      expect(stored?.envelopeFrom).toBe("ada@example.com");
      expect(stored?.source).toBe("http");
      expect(await queues.inbound.getJob(jobIds.inbound(inboundId))).toBeTruthy();
    });

    it.each([
      ["no key", () => postMail(raw, "", { authorization: "" }), 401],
      ["a JSON body", () => postMail(raw, "", { "content-type": "application/json" }), 415],
      ["an empty message", () => postMail(""), 400],
      ["a bad envelope recipient", () => postMail(raw, "?to=not-an-address"), 400],
      ["a message over the limit", () => postMail(`${raw}${"x".repeat(5000)}`), 413],
    ])("refuses %s", async (_what, send, status) => {
      expect((await send()).status).toBe(status);
    });
  });
});
