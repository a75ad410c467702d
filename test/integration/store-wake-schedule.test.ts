/**
 * The wake schedule on both backends: waiting runs listed by wake time in pages that
 * never skip or repeat a run (many share a millisecond), and the promoter's watermark.
 */
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initialRun } from "../../src/flows/interpreter.js";
import type { RunState } from "../../src/flows/types.js";
import { insertRunIfNew } from "../../src/store/run-inserts.js";
import { customers } from "../../src/store/schema.js";
import type { Database } from "../../src/store/sql/handle.js";
import { adhoc } from "../../src/store/sql/query.js";
import type { WakeStore, WakingRun } from "../../src/store/store.js";
import { wakeScheduleStore } from "../../src/store/wake-schedule.js";
import { type OpenedTestDatabase, storeBackends } from "../support/store-backends.js";

const T0 = Date.UTC(2030, 0, 1);
const DAY = 24 * 3600_000;

const waitingUntil = (wakeAt: number): RunState => ({
  ...initialRun(),
  cursor: [1],
  status: "waiting",
  wakeAt,
  waitingFor: "time",
  waitingSince: T0,
});

async function addRuns(db: Database, runs: Array<{ id: string; state: RunState }>): Promise<void> {
  await db.tx(async (t) => {
    await t.run(
      adhoc(sql`insert into ${customers} (id, email, created_at, updated_at)
        values ('c1', 'ada@example.com', ${T0}, ${T0}) on conflict do nothing`),
    );
    for (const { id, state } of runs) {
      const run = { flowId: "f", flowVersion: "v1", entryKey: `k-${id}`, ownershipId: null, state };
      await insertRunIfNew(t, run, { id, customerId: "c1", eventId: "e1" }, T0);
    }
  });
}

/** Every run through `through`, page by page, as the promoter reads them. */
async function allPages(store: WakeStore, through: number, pageSize: number, after: number | null = null) {
  const pages: WakingRun[][] = [];
  let cursor = after === null ? null : { wakeAt: after + 1, id: "" };
  for (;;) {
    const page = await store.listRunsWaking(cursor, through, pageSize);
    pages.push(page);
    const last = page.at(-1);
    if (page.length < pageSize || !last) return pages;
    cursor = { wakeAt: last.wakeAt, id: last.id };
  }
}

describe.each(storeBackends)("wake schedule ($name)", ({ openDatabase, skip }) => {
  let opened: OpenedTestDatabase;
  let store: WakeStore;
  beforeEach(async () => {
    if (skip) return;
    opened = await openDatabase();
    store = wakeScheduleStore(opened.database);
  });
  afterEach(async () => {
    if (!skip) await opened.dispose();
  });

  it.skipIf(skip)("lists waiting runs by wake time through a bound, and only those", async () => {
    await addRuns(opened.database, [
      { id: "late", state: waitingUntil(T0 + 10 * DAY) },
      { id: "soon", state: waitingUntil(T0 + 60_000) },
      { id: "overdue", state: waitingUntil(T0 - 60_000) },
      { id: "three-days", state: waitingUntil(T0 + 3 * DAY) },
      { id: "active", state: initialRun() },
      { id: "done", state: { ...initialRun(), status: "completed", wakeAt: T0 } },
    ]);
    const listed = await store.listRunsWaking(null, T0 + 3 * DAY, 100);
    expect(listed).toEqual([
      { id: "overdue", seq: 0, wakeAt: T0 - 60_000 },
      { id: "soon", seq: 0, wakeAt: T0 + 60_000 },
      { id: "three-days", seq: 0, wakeAt: T0 + 3 * DAY },
    ]);
    // After a watermark: "from W + 1, any id".
    expect(await store.listRunsWaking({ wakeAt: T0 + 60_000 + 1, id: "" }, T0 + 11 * DAY, 100)).toEqual([
      { id: "three-days", seq: 0, wakeAt: T0 + 3 * DAY },
      { id: "late", seq: 0, wakeAt: T0 + 10 * DAY },
    ]);
  });

  it.skipIf(skip)("pages through runs sharing a wake time without skipping or repeating one", async () => {
    const ids = ["r07", "r03", "r11", "r01", "r09", "r05", "r02"];
    await addRuns(opened.database, [
      ...ids.map((id) => ({ id, state: waitingUntil(T0 + DAY) })),
      { id: "r00", state: waitingUntil(T0 + DAY - 1) },
      { id: "r99", state: waitingUntil(T0 + DAY + 1) },
    ]);
    const pages = await allPages(store, T0 + 2 * DAY, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 0]);
    expect(pages.flat().map((r) => r.id)).toEqual(["r00", ...[...ids].sort(), "r99"]);
    // From a watermark just below the shared time: all seven again, then r99.
    expect((await allPages(store, T0 + 2 * DAY, 3, T0 + DAY - 1)).flat().map((r) => r.id)).toEqual([
      ...[...ids].sort(),
      "r99",
    ]);
  });

  it.skipIf(skip)("keeps the promoter's watermark: none at first, then the last one written", async () => {
    expect(await store.getWakeWatermark()).toBeNull();
    await store.setWakeWatermark(T0 + 3600_000, T0);
    expect(await store.getWakeWatermark()).toBe(T0 + 3600_000);
    await store.setWakeWatermark(T0 + 3 * DAY, T0 + 1000);
    expect(await store.getWakeWatermark()).toBe(T0 + 3 * DAY);
    // Lower is allowed: a shortened horizon takes it back (promote-wake-ups.ts).
    await store.setWakeWatermark(T0 + 2 * DAY, T0 + 2000);
    expect(await store.getWakeWatermark()).toBe(T0 + 2 * DAY);
  });
});
