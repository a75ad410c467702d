/**
 * Broadcasts and date schedules on both backends: a broadcast stored once per id, its
 * audience paged in (product id, ownership id) order, a page written once when two
 * writers race it, and date schedules upserted, found due and fired once under a race.
 * Customers, products and ownerships are plain rows inserted by the test.
 */
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunState } from "../../src/flows/types.js";
import { broadcastStore } from "../../src/store/broadcasts.js";
import { dateScheduleStore } from "../../src/store/date-schedules.js";
import type { Database } from "../../src/store/sql/handle.js";
import { query } from "../../src/store/sql/query.js";
import type {
  BroadcastCursor,
  BroadcastStore,
  DateFiring,
  DateScheduleStore,
  NewBroadcastRun,
} from "../../src/store/store.js";
import { type OpenedTestDatabase, storeBackends } from "../support/store-backends.js";

const p = sql.placeholder;
const insertCustomer = query(sql`
  insert into customers (id, email, birthday, created_at, updated_at)
  values (${p("id")}, ${p("email")}, ${p("birthday")}, 0, 0)`);
const insertProduct = query(sql`
  insert into products (id, sku, category, created_at, updated_at)
  values (${p("id")}, ${p("sku")}, ${p("category")}, 0, 0)`);
const insertOwnership = query(sql`
  insert into ownerships (id, customer_id, product_id, serial, kind, status, started_at, created_at, updated_at)
  values (${p("id")}, ${p("customerId")}, ${p("productId")}, ${p("id")}, 'registration', ${p("status")}, 0, 0, 0)`);
const countRows = (table: "events" | "flow_runs", column: "id" | "event_id") =>
  query<{ n: number }>(sql`select count(*) as n from ${sql.raw(table)} where ${sql.raw(column)} = ${p("v")}`);
const eventsWithId = countRows("events", "id");
const runsOfEvent = countRows("flow_runs", "event_id");

const waiting: RunState = {
  cursor: [1],
  status: "waiting",
  wakeAt: 5000,
  waitingFor: "time",
  waitingSince: 0,
  replies: [],
};

async function count(db: Database, q: typeof eventsWithId, v: string): Promise<number> {
  return db.read(async (t) => (await t.get(q, { v }))?.n ?? -1);
}

/**
 * Products p1, p2 (category turntable) and p3 (amplifier); customers c1…c7, one ownership
 * each: p1 has o1, o2, o3 active and o4 disposed, p2 has o5, o6, p3 has o7.
 */
async function seedOwners(db: Database): Promise<void> {
  await db.tx(async (t) => {
    for (let i = 1; i <= 7; i++) {
      await t.run(insertCustomer, { id: `c${i}`, email: `c${i}@example.com`, birthday: null });
    }
    await t.run(insertProduct, { id: "p1", sku: "SKU-1", category: "turntable" });
    await t.run(insertProduct, { id: "p2", sku: "SKU-2", category: "turntable" });
    await t.run(insertProduct, { id: "p3", sku: "SKU-3", category: "amplifier" });
    const owned: Array<[string, string, "active" | "disposed"]> = [
      ["p1", "o1", "active"],
      ["p1", "o2", "active"],
      ["p1", "o3", "active"],
      ["p1", "o4", "disposed"],
      ["p2", "o5", "active"],
      ["p2", "o6", "active"],
      ["p3", "o7", "active"],
    ];
    for (const [productId, id, status] of owned) {
      await t.run(insertOwnership, { id, customerId: `c${id.slice(1)}`, productId, status });
    }
  });
}

const setPreferences = query(
  sql`update customers set preferences = ${p("preferences")} where id = ${p("id")}`,
);

/**
 * On top of seedOwners, former owners of turntables (disposed ownerships) with their choices:
 * c8 stays in touch (o8 on p1); c9 stays in touch and had two (oc on p1, of on p2); c10 stays
 * in touch but still owns one (od disposed on p1, oe active on p2); c11 said no to staying in
 * touch (oa), c12 chose something else only (ob). c4 (o4) chose nothing.
 */
async function seedFormerOwners(db: Database): Promise<void> {
  await seedOwners(db);
  const stay = JSON.stringify({
    stayInTouch: true,
    changed: { stayInTouch: { at: 1, source: "preference_page" } },
  });
  await db.tx(async (t) => {
    const people: Array<[string, string]> = [
      ["c8", stay],
      ["c9", stay],
      ["c10", stay],
      ["c11", JSON.stringify({ stayInTouch: false })],
      ["c12", JSON.stringify({ topics: { birthday: false } })],
    ];
    for (const [id, preferences] of people) {
      await t.run(insertCustomer, { id, email: `${id}@example.com`, birthday: null });
      await t.run(setPreferences, { id, preferences });
    }
    const owned: Array<[string, string, string, "active" | "disposed"]> = [
      ["p1", "o8", "c8", "disposed"],
      ["p1", "oa", "c11", "disposed"],
      ["p1", "ob", "c12", "disposed"],
      ["p1", "oc", "c9", "disposed"],
      ["p1", "od", "c10", "disposed"],
      ["p2", "oe", "c10", "active"],
      ["p2", "of", "c9", "disposed"],
    ];
    for (const [productId, id, customerId, status] of owned) {
      await t.run(insertOwnership, { id, customerId, productId, status });
    }
  });
}

describe.each(storeBackends)("broadcasts and date schedules ($name)", ({ skip, openDatabase }) => {
  let opened: OpenedTestDatabase;
  let db: Database;
  let broadcasts: BroadcastStore;
  let dates: DateScheduleStore;
  beforeEach(async () => {
    if (skip) return;
    opened = await openDatabase();
    db = opened.database;
    let n = 0;
    const newId = () => `id${++n}`;
    broadcasts = broadcastStore(db, newId);
    dates = dateScheduleStore(db, newId);
  });
  afterEach(async () => {
    if (!skip) await opened.dispose();
  });

  const news = { flowId: "news", eventType: "product_news", audience: { category: "turntable" } };

  it.skipIf(skip)("stores a broadcast and its event once per id", async () => {
    const a = await broadcasts.createBroadcast({ id: "b1", ...news, properties: { headline: "New" } }, 1000);
    const b = await broadcasts.createBroadcast(
      { id: "b1", ...news, properties: { headline: "Other" } },
      2000,
    );
    expect(a.duplicate).toBe(false);
    expect(a.broadcast).toMatchObject({ id: "b1", eventId: "broadcast/b1", status: "queued", pages: 0 });
    expect(b.duplicate).toBe(true);
    expect(b.broadcast).toEqual(a.broadcast);
    expect(await count(db, eventsWithId, "broadcast/b1")).toBe(1);
    expect(await broadcasts.getBroadcast("b1")).toEqual(a.broadcast);
    expect(await broadcasts.getBroadcast("nope")).toBeNull();
  });

  it.skipIf(skip)("counts the audience and pages it in (product, ownership) order", async () => {
    await seedOwners(db);
    expect(await broadcasts.countAudience({ category: "turntable" })).toBe(5);
    expect(await broadcasts.countAudience({ sku: "SKU-1" })).toBe(3);
    expect(await broadcasts.countAudience({ category: "nothing" })).toBe(0);

    const audience = { category: "turntable" };
    const one = await broadcasts.audiencePage(audience, null, 2);
    expect(one.owners.map((o) => o.ownership.id)).toEqual(["o1", "o2"]);
    expect(one).toMatchObject({ next: { productId: "p1", ownershipId: "o2" }, exhausted: false });
    expect(one.owners[0]).toMatchObject({
      product: { id: "p1", sku: "SKU-1" },
      customer: { id: "c1", email: "c1@example.com", tags: [] },
      ownership: { customerId: "c1", productId: "p1", status: "active" },
    });
    // A page crosses from one product to the next.
    const two = await broadcasts.audiencePage(audience, one.next, 2);
    expect(two.owners.map((o) => `${o.product.id}/${o.ownership.id}`)).toEqual(["p1/o3", "p2/o5"]);
    expect(two).toMatchObject({ next: { productId: "p2", ownershipId: "o5" }, exhausted: false });
    const three = await broadcasts.audiencePage(audience, two.next, 2);
    expect(three.owners.map((o) => o.ownership.id)).toEqual(["o6"]);
    expect(three).toMatchObject({ next: { productId: "p2", ownershipId: "o6" }, exhausted: true });
    const after = await broadcasts.audiencePage(audience, three.next, 2);
    expect(after).toEqual({ owners: [], next: three.next, exhausted: true });

    const bySku = await broadcasts.audiencePage({ sku: "SKU-3" }, null, 10);
    expect(bySku.owners.map((o) => o.ownership.id)).toEqual(["o7"]);
    expect(bySku.exhausted).toBe(true);
  });

  it.skipIf(skip)(
    "a category's former owners who stay in touch are in its audience, once per customer",
    async () => {
      await seedFormerOwners(db);
      const audience = { category: "turntable" };
      // Active: o1 o2 o3 o5 o6 oe; former: c8 (o8) and c9 (oc, the first of two). Not c10 (owns
      // oe), c11 (said no), c12 (chose other things), c4 (chose nothing).
      expect(await broadcasts.countAudience(audience)).toBe(8);
      // A SKU broadcast is for the model's current owners only.
      expect(await broadcasts.countAudience({ sku: "SKU-1" })).toBe(3);
      const bySku = await broadcasts.audiencePage({ sku: "SKU-1" }, null, 10);
      expect(bySku.owners.map((o) => o.ownership.id)).toEqual(["o1", "o2", "o3"]);

      // Pages of 3 rows read: the rows of former owners who did not ask are read (and passed)
      // but not handed out, so a page can hold fewer owners than its size, or none.
      const one = await broadcasts.audiencePage(audience, null, 3);
      expect(one.owners.map((o) => o.ownership.id)).toEqual(["o1", "o2", "o3"]);
      expect(one).toMatchObject({ next: { productId: "p1", ownershipId: "o3" }, exhausted: false });
      const two = await broadcasts.audiencePage(audience, one.next, 3);
      expect(two.owners.map((o) => o.ownership.id)).toEqual(["o8"]);
      expect(two).toMatchObject({ next: { productId: "p1", ownershipId: "ob" }, exhausted: false });
      expect(two.owners[0]).toMatchObject({
        customer: { id: "c8", preferences: { stayInTouch: true } },
        ownership: { status: "disposed", productId: "p1" },
        product: { id: "p1", category: "turntable" },
      });
      const three = await broadcasts.audiencePage(audience, two.next, 3);
      expect(three.owners.map((o) => `${o.customer.id}/${o.ownership.id}`)).toEqual([
        "c9/oc",
        "c5/o5",
        "c6/o6",
      ]);
      expect(three).toMatchObject({ next: { productId: "p2", ownershipId: "o6" }, exhausted: false });
      const four = await broadcasts.audiencePage(audience, three.next, 3);
      expect(four.owners.map((o) => `${o.customer.id}/${o.ownership.id}`)).toEqual(["c10/oe"]);
      expect(four).toMatchObject({ next: { productId: "p2", ownershipId: "oe" }, exhausted: true });

      // Nothing but former owners who did not ask: an empty page that still moves on.
      const empty = await broadcasts.audiencePage(audience, { productId: "p1", ownershipId: "o8" }, 2);
      expect(empty).toEqual({ owners: [], next: { productId: "p1", ownershipId: "ob" }, exhausted: false });

      // Every page size hands out the same audience, each customer once, as many as counted.
      for (const size of [1, 2, 4, 100]) {
        const seen: string[] = [];
        let cursor: BroadcastCursor | null = null;
        for (;;) {
          const page = await broadcasts.audiencePage(audience, cursor, size);
          seen.push(...page.owners.map((o) => o.customer.id));
          cursor = page.next;
          if (page.exhausted) break;
        }
        expect(seen).toEqual(["c1", "c2", "c3", "c8", "c9", "c5", "c6", "c10"]);
      }

      // c8 changes their mind: out of the next count and pages.
      await db.tx((t) =>
        t.run(setPreferences, { id: "c8", preferences: JSON.stringify({ stayInTouch: false }) }),
      );
      expect(await broadcasts.countAudience(audience)).toBe(7);
      const all = await broadcasts.audiencePage(audience, null, 100);
      expect(all.owners.map((o) => o.customer.id)).toEqual(["c1", "c2", "c3", "c9", "c5", "c6", "c10"]);
    },
  );

  it.skipIf(skip)("writes a page once when two writers race it", async () => {
    await seedOwners(db);
    const { broadcast } = await broadcasts.createBroadcast({ id: "b1", ...news, properties: {} }, 1000);
    await broadcasts.markBroadcastRunning("b1", 5, 1000);
    const run = (c: string): NewBroadcastRun => ({
      flowId: "news",
      flowVersion: "v1",
      customerId: c,
      ownershipId: null,
      entryKey: `news|b1|${c}`,
      state: waiting,
    });
    const page = {
      broadcastId: "b1",
      expectedPages: 0,
      next: { productId: "p1", ownershipId: "o3" },
      runs: [run("c1"), run("c2"), run("c3")],
      skipped: 1,
      done: false,
      now: 2000,
    };
    const outcomes = await Promise.all([
      broadcasts.writeBroadcastPage(page),
      broadcasts.writeBroadcastPage(page),
    ]);
    const applied = outcomes.filter((o) => o.applied);
    expect(applied).toHaveLength(1);
    const [won] = applied;
    if (!won?.applied) throw new Error("no page applied");
    expect(won.created.map((r) => [r.customerId, r.eventId, r.status, r.seq])).toEqual([
      ["c1", broadcast.eventId, "waiting", 0],
      ["c2", broadcast.eventId, "waiting", 0],
      ["c3", broadcast.eventId, "waiting", 0],
    ]);
    expect(won.broadcast).toMatchObject({
      status: "running",
      total: 5,
      pages: 1,
      started: 3,
      skipped: 1,
      cursor: { productId: "p1", ownershipId: "o3" },
    });
    const lost = outcomes.find((o) => !o.applied);
    expect(lost?.broadcast).toMatchObject({ pages: 1, started: 3 });
    expect(await count(db, runsOfEvent, broadcast.eventId)).toBe(3);

    // The last page: an owner whose entry key is taken is counted as skipped, not started.
    const last = await broadcasts.writeBroadcastPage({
      ...page,
      expectedPages: 1,
      next: { productId: "p2", ownershipId: "o6" },
      runs: [run("c3"), run("c5"), run("c6")],
      skipped: 0,
      done: true,
      now: 3000,
    });
    expect(last.applied && last.created.map((r) => r.customerId)).toEqual(["c5", "c6"]);
    expect(last.broadcast).toMatchObject({
      status: "completed",
      pages: 2,
      started: 5,
      skipped: 2,
      finishedAt: 3000,
    });
    // A completed broadcast takes no more pages.
    const again = await broadcasts.writeBroadcastPage({ ...page, expectedPages: 2, now: 4000 });
    expect(again).toMatchObject({ applied: false, broadcast: { status: "completed", pages: 2 } });
    expect(await count(db, runsOfEvent, broadcast.eventId)).toBe(5);
    expect(await broadcasts.writeBroadcastPage({ ...page, broadcastId: "nope" })).toEqual({
      applied: false,
      broadcast: null,
    });
  });

  it.skipIf(skip)("lists stranded broadcasts and marks one failed", async () => {
    await broadcasts.createBroadcast({ id: "b1", ...news, properties: {} }, 1000);
    await broadcasts.createBroadcast({ id: "b2", ...news, properties: {} }, 2000);
    await broadcasts.createBroadcast({ id: "b3", ...news, properties: {} }, 3000);
    await broadcasts.markBroadcastFailed("b2", "flow gone", 2500);
    expect(await broadcasts.listStrandedBroadcasts(5000, 10)).toEqual(["b1", "b3"]);
    expect(await broadcasts.listStrandedBroadcasts(2000, 10)).toEqual(["b1"]);
    expect(await broadcasts.getBroadcast("b2")).toMatchObject({
      status: "failed",
      error: "flow gone",
      finishedAt: 2500,
    });
  });

  const schedule = (key: string, flowId: string, customerId: string, nextAt: number | null) => ({
    key,
    flowId,
    customerId,
    ownershipId: null,
    triggerKey: "birthday|09:00|UTC",
    nextAt,
  });

  it.skipIf(skip)("upserts date schedules and lists the due ones oldest first", async () => {
    await seedOwners(db);
    await dates.upsertDateSchedules(
      [
        schedule("bd|c1", "birthday", "c1", 3000),
        schedule("bd|c2", "birthday", "c2", 1000),
        schedule("bd|c3", "birthday", "c3", null),
        schedule("other|c1", "other", "c1", 500),
      ],
      100,
    );
    expect((await dates.listDueDateSchedules(["birthday"], 5000, 10)).map((s) => s.key)).toEqual([
      "bd|c2",
      "bd|c1",
    ]);
    expect((await dates.listDueDateSchedules(["birthday", "other"], 2000, 10)).map((s) => s.key)).toEqual([
      "other|c1",
      "bd|c2",
    ]);
    expect(await dates.listDueDateSchedules([], 5000, 10)).toEqual([]);

    await dates.upsertDateSchedules(
      [{ ...schedule("bd|c1", "birthday", "c1", 9000), triggerKey: "new" }],
      200,
    );
    expect(await dates.getDateSchedule("bd|c1")).toEqual({
      key: "bd|c1",
      flowId: "birthday",
      customerId: "c1",
      ownershipId: null,
      triggerKey: "new",
      nextAt: 9000,
      lastOccurrence: null,
      createdAt: 100,
      updatedAt: 200,
    });
    expect(await dates.getDateSchedule("nope")).toBeNull();

    const subject = await dates.dateScheduleSubject("c1");
    expect(subject?.customer.email).toBe("c1@example.com");
    expect(subject?.ownerships.map((o) => o.id)).toEqual(["o1"]);
    expect(subject?.schedules.map((s) => s.key).sort()).toEqual(["bd|c1", "other|c1"]);
    expect(await dates.dateScheduleSubject("nope")).toBeNull();
  });

  it.skipIf(skip)("pages the backfill over customers and ownerships with their schedules", async () => {
    await seedOwners(db);
    await dates.upsertDateSchedules(
      [
        schedule("bd|c2", "birthday", "c2", 1000),
        { ...schedule("an|o2", "anniversary", "c2", 2000), ownershipId: "o2" },
      ],
      100,
    );
    const first = await dates.dateBackfillPage("birthday", "customers", "", 3);
    expect(first.items.map((i) => [i.customer.id, i.ownership, i.schedule?.key ?? null])).toEqual([
      ["c1", null, null],
      ["c2", null, "bd|c2"],
      ["c3", null, null],
    ]);
    expect(first.next).toBe("c3");
    const rest = await dates.dateBackfillPage("birthday", "customers", "c3", 10);
    expect(rest.items.map((i) => i.customer.id)).toEqual(["c4", "c5", "c6", "c7"]);
    expect(rest.next).toBeNull();

    const owned = await dates.dateBackfillPage("anniversary", "ownerships", "o1", 2);
    expect(owned.items.map((i) => [i.ownership?.id, i.customer.id, i.schedule?.key ?? null])).toEqual([
      ["o2", "c2", "an|o2"],
      ["o3", "c3", null],
    ]);
    expect(owned.next).toBe("o3");
  });

  it.skipIf(skip)("fires a due schedule once when two workers race it", async () => {
    await seedOwners(db);
    await dates.upsertDateSchedules([schedule("bd|c1", "birthday", "c1", 1000)], 100);
    const eventId = "date/birthday/c1/1000";
    const firing: DateFiring = {
      key: "bd|c1",
      expectedNextAt: 1000,
      nextAt: 1000 + 365 * 86_400_000,
      triggerKey: "birthday|09:00|UTC",
      fired: true,
      start: {
        event: {
          id: eventId,
          type: "birthday",
          occurredAt: 1000,
          customerEmail: "c1@example.com",
          body: { id: eventId, type: "birthday", customer: { email: "c1@example.com" } },
        },
        customerId: "c1",
        run: {
          flowId: "birthday",
          flowVersion: "v1",
          entryKey: "birthday|c1|1000",
          ownershipId: null,
          state: waiting,
        },
      },
      now: 1500,
    };
    const outcomes = await Promise.all([dates.fireDateSchedule(firing), dates.fireDateSchedule(firing)]);
    expect(outcomes.map((o) => o.applied).sort()).toEqual([false, true]);
    const won = outcomes.find((o) => o.applied);
    expect(won?.runs.map((r) => [r.customerId, r.eventId, r.entryKey])).toEqual([
      ["c1", eventId, "birthday|c1|1000"],
    ]);
    expect(outcomes.find((o) => !o.applied)?.runs).toEqual([]);
    expect(await count(db, eventsWithId, eventId)).toBe(1);
    expect(await count(db, runsOfEvent, eventId)).toBe(1);
    expect(await dates.getDateSchedule("bd|c1")).toMatchObject({
      nextAt: firing.nextAt,
      lastOccurrence: 1000,
      updatedAt: 1500,
    });
    expect(await dates.listDueDateSchedules(["birthday"], 5000, 10)).toEqual([]);

    // Moving on without a run (fired: false) keeps last_occurrence; a stale one does nothing.
    const { start: _start, ...bare } = firing;
    const moveOn: DateFiring = {
      ...bare,
      expectedNextAt: firing.nextAt ?? 0,
      nextAt: null,
      fired: false,
      now: 2000,
    };
    expect(await dates.fireDateSchedule(moveOn)).toEqual({ applied: true, runs: [] });
    expect(await dates.fireDateSchedule(moveOn)).toEqual({ applied: false, runs: [] });
    expect(await dates.getDateSchedule("bd|c1")).toMatchObject({ nextAt: null, lastOccurrence: 1000 });
  });
});
