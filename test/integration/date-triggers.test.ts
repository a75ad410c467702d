/**
 * Date-triggered flows on real parts: HTTP → store (date schedules) → the scheduler's
 * tick → a run → the real SMTP sink. The shipped birthday (09:00) and anniversary (10:00)
 * flows are used as they are; rapport's clock (StartOptions.clock, which the HTTP layer,
 * the jobs and the scheduler all read) is set a few seconds before the flow's time on a
 * fixed day, then moved past it once the schedule is in the store, so nothing waits hours.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { dateScheduleKey } from "../../src/jobs/date-schedules.js";
import { type Rapport, startRapport } from "../../src/main.js";
import { adhoc } from "../../src/store/sql/query.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { DateScheduleRow, Store } from "../../src/store/store.js";
import { movableClock } from "../support/clock.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { readTestDatabase } from "../support/test-database.js";
import { eventually, postEvent, type TestEnv, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const DAY = 24 * 3600_000;
const BIRTHDAY = Date.UTC(2030, 5, 15, 9); // 2030-06-15 09:00 UTC
const ANNIVERSARY = Date.UTC(2030, 5, 15, 10);
const NEXT_YEAR = 365 * DAY;

const customer = (email: string, over: Record<string, unknown> = {}) => ({
  email,
  name: `${email.split("@")[0]?.replace(/^./, (c) => c.toUpperCase())} Example`,
  timezone: "UTC",
  ...over,
});

describe("date triggers", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    await store?.close();
    rapport = sink = store = null;
  });

  async function boot(flows: string[], at: number, t?: TestEnv) {
    sink ??= await startSmtpSink();
    const env =
      t ??
      testEnv(
        inject("redisUrl"),
        { SMTP_URL: sink.url, RAPPORT_SWEEP_INTERVAL_MS: "100", RAPPORT_RETRY_BASE_MS: "300" },
        { flows },
      );
    const clock = movableClock();
    clock.set(at);
    rapport = await startRapport({ settings: env.settings, role: "all", logger: silentLogger, clock });
    store ??= await openTestStore(env.settings);
    return { t: env, clock, port: rapport.httpPort as number, sink, store };
  }

  async function scheduleOf(s: Store, flowId: string, email: string, ownership = false) {
    const c = await s.findCustomerByEmail(email);
    if (!c) return null;
    if (!ownership) return s.getDateSchedule(dateScheduleKey(flowId, c.id, null));
    const tl = await s.timeline(email);
    const o = tl?.ownerships[0];
    return o ? s.getDateSchedule(dateScheduleKey(flowId, c.id, o.id)) : null;
  }

  const ticks = (n = 5) => new Promise((r) => setTimeout(r, n * 100));

  it("sends one birthday email on the day at the local time, then schedules next year", async () => {
    const { t, clock, port, sink, store } = await boot(["birthday"], BIRTHDAY - 60_000);
    await postEvent(port, {
      id: "bday-ada",
      type: "signup",
      customer: customer("ada@example.com", { birthday: "1990-06-15", attributes: { newsletter: true } }),
    });
    await postEvent(port, { id: "bday-bob", type: "signup", customer: customer("bob@example.com") });
    const before = await eventually(
      async () => (await scheduleOf(store, "birthday", "ada@example.com"))?.nextAt === BIRTHDAY,
      "Ada's birthday to be scheduled",
    );
    expect(before).toBe(true);
    // Bob gave no birthday: nothing is scheduled for him.
    const bob = await eventually(() => scheduleOf(store, "birthday", "bob@example.com"), "Bob's row");
    expect(bob.nextAt).toBeNull();
    await ticks(3);
    expect(sink.received).toHaveLength(0);

    clock.set(BIRTHDAY + 1000);
    const [mail] = await sink.waitFor(1, 10_000);
    expect(mail?.parsed.subject).toBe("Happy birthday, Ada");
    expect(mail?.envelopeTo).toEqual(["ada@example.com"]);

    const after = (await scheduleOf(store, "birthday", "ada@example.com")) as DateScheduleRow;
    expect(after).toMatchObject({ nextAt: BIRTHDAY + NEXT_YEAR, lastOccurrence: BIRTHDAY });
    await ticks(5);
    expect(sink.received).toHaveLength(1);

    const tl = await store.timeline("ada@example.com");
    const runs = tl?.runs.filter((r) => r.flowId === "birthday") ?? [];
    expect(runs).toHaveLength(1);
    expect(runs[0]?.entryKey).toBe(`birthday|date|${tl?.customer.id}|none|${BIRTHDAY}`);
    const event = tl?.events.find((e) => e.type === "date");
    expect(event?.id).toBe(`date/birthday/${tl?.customer.id}/-/${BIRTHDAY}`);
    expect(event?.body.properties).toEqual({
      field: "customer.birthday",
      occurrence: "2030-06-15T09:00:00.000Z",
    });

    // A worker that read the schedule before it moved fires the same occurrence again:
    // the run's entry key is taken, so nothing more starts or is sent.
    await readTestDatabase(t.settings, (h) =>
      h.run(adhoc(sql`update date_schedules set next_at = ${BIRTHDAY} where key = ${after.key}`)),
    );
    await eventually(
      async () => (await store.getDateSchedule(after.key))?.nextAt === BIRTHDAY + NEXT_YEAR,
      "the schedule to move on again",
    );
    await ticks(5);
    expect(sink.received).toHaveLength(1);
    const again = await store.timeline("ada@example.com");
    expect(again?.runs.filter((r) => r.flowId === "birthday")).toHaveLength(1);
  });

  it("sends one anniversary email for an ownership started a year ago, none for a disposed one", async () => {
    const { clock, port, sink, store } = await boot(["anniversary"], ANNIVERSARY - 60_000);
    const product = { sku: "LYRA-RD-2780", name: "Lyra RD 2780", category: "turntable" };
    const aYearAgo = "2029-06-15T08:00:00Z";
    await postEvent(port, {
      id: "ann-ada",
      type: "registration",
      occurredAt: aYearAgo,
      customer: customer("ada@example.com"),
      product: { ...product, serial: "RD-1" },
    });
    await postEvent(port, {
      id: "ann-bob",
      type: "registration",
      occurredAt: aYearAgo,
      customer: customer("bob@example.com"),
      product: { ...product, serial: "RD-2" },
    });
    await eventually(
      async () => (await scheduleOf(store, "anniversary", "bob@example.com", true))?.nextAt === ANNIVERSARY,
      "Bob's anniversary to be scheduled",
    );
    // Bob sells his turntable: his anniversary is unscheduled.
    await postEvent(port, {
      id: "ann-bob-sold",
      type: "disposition",
      occurredAt: "2030-03-01T12:00:00Z",
      customer: customer("bob@example.com"),
      product: { ...product, serial: "RD-2" },
    });
    await eventually(
      async () => (await scheduleOf(store, "anniversary", "bob@example.com", true))?.nextAt === null,
      "Bob's anniversary to be dropped",
    );
    const ada = await eventually(
      () => scheduleOf(store, "anniversary", "ada@example.com", true),
      "Ada's anniversary to be scheduled",
    );
    expect(ada.nextAt).toBe(ANNIVERSARY);

    clock.set(ANNIVERSARY + 1000);
    const [mail] = await sink.waitFor(1, 10_000);
    expect(mail?.parsed.subject).toBe("Another year with your Lyra RD 2780");
    expect(mail?.envelopeTo).toEqual(["ada@example.com"]);
    await ticks(5);
    expect(sink.received).toHaveLength(1);
    expect(await store.getDateSchedule(ada.key)).toMatchObject({
      nextAt: ANNIVERSARY + NEXT_YEAR,
      lastOccurrence: ANNIVERSARY,
    });
    const bob = await store.timeline("bob@example.com");
    expect(bob?.runs).toHaveLength(0);
  });

  it("a date flow added later schedules the customers stored before it (backfill)", async () => {
    const first = await boot([], BIRTHDAY - DAY);
    await postEvent(first.port, {
      id: "early-ada",
      type: "signup",
      customer: customer("ada@example.com", { birthday: "06-15" }),
    });
    await eventually(async () => (await first.store.findCustomerByEmail("ada@example.com")) !== null, "Ada");
    await rapport?.close();
    rapport = null;
    expect(await scheduleOf(first.store, "birthday", "ada@example.com")).toBeNull();

    copyFileSync("config/flows/birthday.yaml", join(first.t.dir, "config", "flows", "birthday.yaml"));
    const second = await boot([], BIRTHDAY - DAY, first.t);
    const row = await eventually(
      () => scheduleOf(second.store, "birthday", "ada@example.com"),
      "the backfill to schedule Ada",
    );
    expect(row.nextAt).toBe(BIRTHDAY);
  });

  it("store: a firing applies once per schedule position, and a repeated one starts no second run", async () => {
    const dir = testEnv(inject("redisUrl")).dir;
    let n = 0;
    const s = openSqliteStore(join(dir, "fire.db"), { newId: () => `id${++n}` });
    store = s;
    const { event } = await s.recordEvent(
      { id: "e1", type: "signup", customer: { email: "ada@example.com", birthday: "06-15" } },
      0,
    );
    const { customer } = await s.ingestEvent(event, 0);
    const key = dateScheduleKey("birthday", customer.id, null);
    const write = { key, flowId: "birthday", customerId: customer.id, ownershipId: null, triggerKey: "k" };
    await s.upsertDateSchedules([{ ...write, nextAt: BIRTHDAY }], 0);
    const eventId = `date/birthday/${customer.id}/-/${BIRTHDAY}`;
    const firing = {
      key,
      expectedNextAt: BIRTHDAY,
      nextAt: BIRTHDAY + NEXT_YEAR,
      triggerKey: "k",
      fired: true,
      now: BIRTHDAY + 1,
      start: {
        event: {
          id: eventId,
          type: "date",
          occurredAt: BIRTHDAY,
          customerEmail: customer.email,
          body: { id: eventId, type: "date", customer: { email: customer.email } },
        },
        customerId: customer.id,
        run: {
          flowId: "birthday",
          flowVersion: "v",
          ownershipId: null,
          entryKey: `birthday|date|${customer.id}|none|${BIRTHDAY}`,
          state: {
            cursor: [0],
            status: "active" as const,
            wakeAt: null,
            waitingFor: null,
            waitingSince: null,
            replies: [],
          },
        },
      },
    };
    const [a, b] = await Promise.all([s.fireDateSchedule(firing), s.fireDateSchedule(firing)]);
    expect(a).toMatchObject({ applied: true });
    expect(a.runs).toHaveLength(1);
    expect(b).toEqual({ applied: false, runs: [] });
    // Moved back by a stale refresh and fired again: the same run (still unadvanced) comes back, no new one.
    await s.upsertDateSchedules([{ ...write, nextAt: BIRTHDAY }], 1);
    const c = await s.fireDateSchedule(firing);
    expect(c.applied).toBe(true);
    expect(c.runs.map((r) => r.id)).toEqual(a.runs.map((r) => r.id));
    const tl = await s.timeline("ada@example.com");
    expect(tl?.runs).toHaveLength(1);
    expect(tl?.events.filter((e) => e.type === "date")).toHaveLength(1);
    expect(await s.getDateSchedule(key)).toMatchObject({
      nextAt: BIRTHDAY + NEXT_YEAR,
      lastOccurrence: BIRTHDAY,
    });
  });
});
