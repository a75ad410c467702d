/**
 * Long waits off Redis, through the whole of rapport (real Redis, SQLite, the shipped
 * get-to-know-you flow; rapport's clock in the test's hands): a run waiting 3 days with
 * a 1-hour horizon has no job in Redis; rapport is restarted; an hour before its wake
 * time the promoter has put its delayed job in the steps queue; past it, the run goes
 * on, and its next long wait (10 days for a reply) is off Redis again.
 */

import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { connectRedis } from "../../src/infra/redis.js";
import { createQueues, jobIds, type Queues } from "../../src/jobs/queues.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { RunRow, Store } from "../../src/store/store.js";
import { movableClock } from "../support/clock.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe("runs waiting beyond the wake horizon", () => {
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  let queues: Queues | null = null;
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await rapport?.close();
    await store?.close();
    await queues?.close();
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
    rapport = store = queues = null;
  });

  it("live only in the store until the promoter queues them, an hour before they wake, across a restart", async () => {
    const t = testEnv(
      inject("redisUrl"),
      {
        RAPPORT_SWEEP_INTERVAL_MS: "100",
        RAPPORT_WAKE_HORIZON_MS: String(HOUR),
        RAPPORT_WAKE_PROMOTE_EVERY_MS: "200",
      },
      { flows: ["get-to-know-you"] },
    );
    const clock = movableClock();
    clock.set(Date.UTC(2030, 5, 10, 12));
    const start = () => startRapport({ settings: t.settings, role: "all", logger: silentLogger, clock });
    rapport = await start();
    const db = await openTestStore(t.settings);
    store = db;
    const redis = connectRedis(inject("redisUrl"));
    cleanup.push(() => redis.quit());
    const steps = createQueues(redis, t.settings.RAPPORT_QUEUE_PREFIX);
    queues = steps;
    const stateOf = (run: RunRow) => steps.steps.getJobState(jobIds.step(run.id, run.seq));

    await postEvent(rapport.httpPort as number, registration({ id: "wh-1" }));
    const waiting = await eventually(async () => {
      const r = (await db.timeline("ada@example.com"))?.runs[0];
      return r?.status === "waiting" ? r : null;
    }, "the run to wait 3 days");
    expect(waiting.wakeAt).toBe(waiting.updatedAt + 3 * DAY);
    // A promotion that read the clock after the run was stored (so it saw the run) has passed it by.
    const seen = clock.now();
    await eventually(
      async () => ((await db.getWakeWatermark()) ?? 0) >= seen + HOUR,
      "a promotion after the run was stored",
    );
    expect(await stateOf(waiting)).toBe("unknown");
    expect(await steps.steps.getDelayedCount()).toBe(0);

    await rapport.close();
    rapport = await start();

    const wakeAt = waiting.wakeAt as number;
    clock.set(wakeAt - HOUR + 5000);
    await eventually(async () => (await stateOf(waiting)) === "delayed", "the promoter to queue the wake-up");
    const job = await steps.steps.getJob(jobIds.step(waiting.id, waiting.seq));
    expect(job?.delay).toBeGreaterThan(HOUR - 10_000); // due at the wake time, not now
    expect(job?.delay).toBeLessThanOrEqual(HOUR - 5000);

    clock.set(wakeAt + 1000);
    const asking = await eventually(async () => {
      const r = await db.getRun(waiting.id);
      return r && r.seq > waiting.seq && r.status === "waiting" ? r : null;
    }, "the run to wake, ask its question and wait for a reply");
    expect(asking.wakeAt).toBe(asking.updatedAt + 10 * DAY);
    expect(await stateOf(asking)).toBe("unknown");
  });
});
