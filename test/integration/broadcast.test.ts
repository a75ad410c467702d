/**
 * Broadcasts on real parts: HTTP → store → the broadcasts queue on a real Redis → one
 * run per owner → steps → deliveries (the outbox mailer: real .eml files). Owners are
 * written straight into the store (test/support/owners.ts); the broadcast itself goes
 * the whole way.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type SQL, sql } from "drizzle-orm";
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { connectRedis } from "../../src/infra/redis.js";
import { processBroadcast } from "../../src/jobs/process-broadcast.js";
import { createQueues } from "../../src/jobs/queues.js";
import { type Rapport, startRapport } from "../../src/main.js";
import { loadProject } from "../../src/project.js";
import { adhoc } from "../../src/store/sql/query.js";
import { seedOwners } from "../support/owners.js";
import { readTestDatabase } from "../support/test-database.js";
import { eventually, TEST_API_KEY, type TestEnv, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

interface View {
  broadcastId: string;
  status: string;
  total: number | null;
  started: number;
  skipped: number;
  done: boolean;
}

const api = (port: number, path: string, body?: unknown) =>
  fetch(`http://127.0.0.1:${port}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TEST_API_KEY}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** Counts straight from the store (beside the running rapport). */
function counts(t: TestEnv, broadcastId: string) {
  const eventId = `broadcast/${broadcastId}`;
  return readTestDatabase(t.settings, async (h) => {
    const one = async (query: SQL) => Number((await h.get(adhoc<{ n: number }>(query)))?.n);
    return {
      runs: await one(sql`select count(*) as n from flow_runs where event_id = ${eventId}`),
      ownerships: await one(
        sql`select count(distinct ownership_id) as n from flow_runs where event_id = ${eventId}`,
      ),
      messages: await one(sql`select count(*) as n from messages where event_id = ${eventId}`),
      sent: await one(
        sql`select count(*) as n from messages where event_id = ${eventId} and status = 'sent'`,
      ),
      recipients: await one(
        sql`select count(distinct to_address) as n from messages where event_id = ${eventId}`,
      ),
    };
  });
}

function outbox(t: TestEnv): string[] {
  try {
    return readdirSync(join(t.dir, "outbox")).filter((f) => f.endsWith(".eml"));
  } catch {
    return [];
  }
}

/**
 * A product-news broadcast to turntable owners, made in the store for a test that runs
 * processBroadcast itself (no rapport started): its store, queues and the job's deps.
 */
async function directBroadcast(t: TestEnv, id: string) {
  const loaded = await loadProject(t.settings.RAPPORT_CONFIG_DIR);
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  const flow = loaded.project.flows.get("product-news");
  if (!flow) throw new Error("no product-news flow");
  const store = await openTestStore(t.settings);
  const redis = connectRedis(t.settings.REDIS_URL as string);
  const queues = createQueues(redis, t.settings.RAPPORT_QUEUE_PREFIX);
  await store.createBroadcast(
    { id, flowId: flow.id, eventType: "product_news", audience: { category: "turntable" }, properties: {} },
    Date.now(),
  );
  const deps = {
    store,
    queues,
    flows: loaded.project.flows,
    clock: { now: () => Date.now() },
    logger: silentLogger,
  };
  const close = async () => {
    await queues.close();
    await redis.quit();
    await store.close();
  };
  return { store, queues, deps, close };
}

describe("broadcasts", () => {
  let rapport: Rapport | null = null;
  afterEach(async () => {
    await rapport?.close();
    rapport = null;
  });

  const boot = async (t: TestEnv) => {
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    return rapport.httpPort as number;
  };

  it("broadcast to 10,000 owners: one run and one message each, exactly once", async () => {
    const t = testEnv(inject("redisUrl"), { RAPPORT_RETRY_BASE_MS: "300" }, { flows: ["product-news"] });
    const seeded = Date.now();
    await seedOwners(t.settings, [
      { sku: "LYRA-RD-2780", category: "turntable", count: 6000, prefix: "rd" },
      { sku: "LYRA-ST-1200", category: "turntable", count: 4000, prefix: "st" },
      // Not in the audience: owners who sold theirs, and owners of another category.
      { sku: "LYRA-RD-2780", category: "turntable", count: 50, prefix: "gone", status: "disposed" },
      { sku: "LYRA-SPK-9", category: "speaker", count: 100, prefix: "spk" },
    ]);
    const seedMs = Date.now() - seeded;
    const port = await boot(t);

    const started = Date.now();
    const res = await api(port, "/v1/broadcasts", {
      id: "news-10k",
      flow: "product-news",
      audience: { category: "turntable" },
      properties: { headline: "A new platter mat", body: "Cork and rubber, cut to fit." },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ broadcastId: "news-10k", duplicate: false });

    const view = await eventually(
      async () => {
        const v = (await (await api(port, "/v1/broadcasts/news-10k")).json()) as View;
        return v.done ? v : null;
      },
      "the broadcast to finish",
      120_000,
    );
    const runsMs = Date.now() - started;
    expect(view).toMatchObject({ status: "completed", total: 10_000, started: 10_000, skipped: 0 });

    await eventually(
      async () => (await counts(t, "news-10k")).sent >= 10_000,
      "10,000 messages sent",
      240_000,
    );
    const deliveredMs = Date.now() - started;
    // Let anything that would send twice have its chance.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await counts(t, "news-10k")).toEqual({
      runs: 10_000,
      ownerships: 10_000,
      messages: 10_000,
      sent: 10_000,
      recipients: 10_000,
    });
    const files = outbox(t);
    expect(files).toHaveLength(10_000);
    const recipients = new Set<string>();
    for (const file of files) {
      const eml = readFileSync(join(t.dir, "outbox", file), "utf8");
      const to = /^To: (.+)$/m.exec(eml)?.[1] ?? "";
      recipients.add(to.trim());
    }
    expect(recipients.size).toBe(10_000);
    expect([...recipients].some((to) => /gone-|spk-/.test(to))).toBe(false);
    const sample = readFileSync(join(t.dir, "outbox", files[0] as string), "utf8");
    expect(sample).toContain("Subject: A new platter mat");
    expect(sample).toContain("Cork and rubber");

    console.info(
      `broadcast to 10,000 owners: seeded in ${seedMs} ms, 10,000 runs created in ${runsMs} ms, ` +
        `10,000 messages delivered in ${deliveredMs} ms`,
    );
  }, 300_000);

  it("a repeated broadcast id is one broadcast; bad bodies are 400s naming the field", async () => {
    const t = testEnv(inject("redisUrl"), {}, { flows: ["product-news"] });
    await seedOwners(t.settings, [
      { sku: "LYRA-RD-2780", category: "turntable", count: 20, prefix: "rd" },
      { sku: "LYRA-ST-1200", category: "turntable", count: 5, prefix: "st" },
    ]);
    const port = await boot(t);
    const body = { id: "news-dup", flow: "product-news", audience: { sku: "LYRA-RD-2780" } };
    const first = await api(port, "/v1/broadcasts", body);
    const second = await api(port, "/v1/broadcasts", body);
    expect(await first.json()).toEqual({ broadcastId: "news-dup", duplicate: false });
    expect(await second.json()).toEqual({ broadcastId: "news-dup", duplicate: true });
    await eventually(async () => (await counts(t, "news-dup")).sent >= 20, "20 messages sent");
    await new Promise((r) => setTimeout(r, 500));
    expect(await counts(t, "news-dup")).toMatchObject({ runs: 20, messages: 20, sent: 20 });
    const view = (await (await api(port, "/v1/broadcasts/news-dup")).json()) as View;
    expect(view).toMatchObject({ status: "completed", total: 20, started: 20, skipped: 0, done: true });

    // Without an id every post is a broadcast of its own (every_time: the owners hear it again).
    const again = (await (await api(port, "/v1/broadcasts", { ...body, id: undefined })).json()) as View;
    expect(again.broadcastId).not.toBe("news-dup");

    const issues = async (b: unknown) => {
      const r = await api(port, "/v1/broadcasts", b);
      expect(r.status).toBe(400);
      const json = (await r.json()) as { error: string; issues: Array<{ field: string; message: string }> };
      expect(json.error).toBe("invalid_broadcast");
      return json.issues;
    };
    expect(await issues({ flow: "nope", audience: { sku: "X" } })).toEqual([
      { field: "flow", message: 'no flow "nope"; flows: product-news' },
    ]);
    expect((await issues({ flow: "product-news", audience: { sku: "X", category: "y" } }))[0]?.field).toBe(
      "audience",
    );
    expect((await issues({ flow: "product-news", audience: {} }))[0]?.field).toBe("audience");
    expect((await issues({ flow: "product-news", audience: { sku: "X" }, extra: 1 }))[0]?.field).toBe(
      "(body)",
    );
    expect((await api(port, "/v1/broadcasts/nope")).status).toBe(404);
  });

  // No steps or deliveries worker runs: what is queued stays waiting. Pages of 100 runs are
  // 2 batch jobs each, counted as 100 steps, and the bound is 150.
  it.each([
    {
      // A second page goes (2 jobs: 100 steps) and the third waits (4 jobs: 200 steps).
      what: "the steps waiting, counting a batch job as its runs",
      sendsWaiting: 0,
      stepJobs: 4,
      started: 200,
      pages: 2,
    },
    {
      // Sends the pool could not take: the first page goes (100 ≤ 150) and the second waits
      // (100 sends + 100 steps > 150); counting steps alone, it would have gone too.
      what: "the first sends waiting in the deliveries queue too",
      sendsWaiting: 100,
      stepJobs: 2,
      started: 100,
      pages: 1,
    },
  ])(
    "pauses above its bound of work waiting in Redis: $what",
    async ({ sendsWaiting, stepJobs, started, pages }) => {
      const t = testEnv(inject("redisUrl"), {}, { flows: ["product-news"] });
      await seedOwners(t.settings, [
        { sku: "LYRA-RD-2780", category: "turntable", count: 500, prefix: "bp" },
      ]);
      const { store, queues, deps, close } = await directBroadcast(t, "news-bound");
      try {
        for (let i = 0; i < sendsWaiting; i++) await queues.addDelivery(`waiting-send-${i}`);
        let polls = 0;
        const outcome = await processBroadcast({ broadcastId: "news-bound" }, deps, {
          pageSize: 100,
          maxWaitingSteps: 150,
          shouldStop: () => polls++ >= 5,
        });
        expect(outcome).toBe("stopped");
        expect(await queues.steps.getWaitingCount()).toBe(stepJobs);
        expect(await store.getBroadcast("news-bound")).toMatchObject({ started, pages });
      } finally {
        await close();
      }
    },
  );

  it("a broadcast interrupted after two pages, then killed between commit and queue, resumes without duplicates", async () => {
    const t = testEnv(
      inject("redisUrl"),
      { RAPPORT_SWEEP_INTERVAL_MS: "500", RAPPORT_RETRY_BASE_MS: "300" },
      { flows: ["product-news"] },
    );
    await seedOwners(t.settings, [
      { sku: "LYRA-RD-2780", category: "turntable", count: 1200, prefix: "rd" },
      { sku: "LYRA-ST-1200", category: "turntable", count: 800, prefix: "st" },
    ]);
    const { store, queues, deps, close } = await directBroadcast(t, "news-resume");
    try {
      // A worker shutting down: it stops between pages.
      let pages = 0;
      const outcome = await processBroadcast({ broadcastId: "news-resume" }, deps, {
        pageSize: 300,
        shouldStop: () => pages++ >= 2,
      });
      expect(outcome).toBe("stopped");
      let b = await store.getBroadcast("news-resume");
      expect(b).toMatchObject({ status: "running", total: 2000, started: 600, pages: 2 });
      expect(b?.cursor).not.toBeNull();

      // Killed after the third page's commit, before its runs were queued.
      let calls = 0;
      const dying = {
        ...queues,
        steps: queues.steps,
        async addFirstSteps(ids: readonly string[]) {
          if (++calls === 1) throw new Error("killed");
          return queues.addFirstSteps(ids);
        },
      };
      await expect(
        processBroadcast({ broadcastId: "news-resume" }, { ...deps, queues: dying }, { pageSize: 300 }),
      ).rejects.toThrow("killed");
      b = await store.getBroadcast("news-resume");
      expect(b).toMatchObject({ status: "running", started: 900, pages: 3 });
    } finally {
      await close();
    }

    // A worker starts: the sweeper re-queues the broadcast (and the runs committed but never
    // queued); the broadcast goes on from its cursor.
    await new Promise((r) => setTimeout(r, 600));
    const port = await boot(t);
    await eventually(
      async () => ((await (await api(port, "/v1/broadcasts/news-resume")).json()) as View).done,
      "the broadcast to finish",
      30_000,
    );
    await eventually(
      async () => (await counts(t, "news-resume")).sent >= 2000,
      "2,000 messages sent",
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(await counts(t, "news-resume")).toEqual({
      runs: 2000,
      ownerships: 2000,
      messages: 2000,
      sent: 2000,
      recipients: 2000,
    });
    const view = (await (await api(port, "/v1/broadcasts/news-resume")).json()) as View;
    expect(view).toMatchObject({ status: "completed", total: 2000, started: 2000, skipped: 0 });
    expect(outbox(t)).toHaveLength(2000);
  }, 120_000);
});
