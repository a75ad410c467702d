/**
 * A broadcast whose flow's `where` holds a relative date (`ownership.started: { before:
 * "30 days ago" }`) decides each owner against the time the broadcast was posted (issue
 * 11: it threw, because the broadcast passed no `now`). Real store and real Redis; the
 * job is run in the test so the clock is the test's.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { connectRedis } from "../../src/infra/redis.js";
import { processBroadcast } from "../../src/jobs/process-broadcast.js";
import { createQueues } from "../../src/jobs/queues.js";
import { loadProject } from "../../src/project.js";
import { seedOwners } from "../support/owners.js";
import { testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const DAY = 86_400_000;

const longTimeOwners = `name: Long-time owners
trigger:
  event: product_news
  where:
    ownership.started: { before: "30 days ago" }
entry: every_time
topic: product_news
steps:
  - send: product-news
`;

describe("broadcast with a relative date in its where", () => {
  it("reaches the owners who registered more than 30 days before the broadcast, skips the rest", async () => {
    const t = testEnv(inject("redisUrl"), {}, { flows: ["product-news"] });
    writeFileSync(join(t.settings.RAPPORT_CONFIG_DIR, "flows", "long-time-owners.yaml"), longTimeOwners);
    const posted = Date.UTC(2026, 10, 30, 9, 0);
    await seedOwners(
      t.settings,
      [{ sku: "LYRA-RD-2780", category: "turntable", count: 3, prefix: "old" }],
      posted - 40 * DAY,
    );
    await seedOwners(
      t.settings,
      [{ sku: "LYRA-RD-2780", category: "turntable", count: 2, prefix: "new" }],
      posted - 29 * DAY,
    );
    const loaded = await loadProject(t.settings.RAPPORT_CONFIG_DIR);
    if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
    const store = await openTestStore(t.settings);
    const redis = connectRedis(t.settings.REDIS_URL as string);
    const queues = createQueues(redis, t.settings.RAPPORT_QUEUE_PREFIX);
    try {
      await store.createBroadcast(
        {
          id: "news-long-time",
          flowId: "long-time-owners",
          eventType: "product_news",
          audience: { sku: "LYRA-RD-2780" },
          properties: {},
        },
        posted,
      );
      // The job runs two days after the broadcast was posted (a worker was down): the bound
      // is still "30 days before the broadcast", so the 29-day owners stay out.
      const deps = {
        store,
        queues,
        flows: loaded.project.flows,
        clock: { now: () => posted + 2 * DAY },
        logger: silentLogger,
      };
      expect(await processBroadcast({ broadcastId: "news-long-time" }, deps)).toBe("completed");
      expect(await store.getBroadcast("news-long-time")).toMatchObject({
        status: "completed",
        total: 5,
        started: 3,
        skipped: 2,
      });
    } finally {
      await queues.close();
      await redis.quit();
      await store.close();
    }
  });
});
