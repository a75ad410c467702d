/**
 * What every event costs the store must not grow with the store: each statement an
 * event's ingest and its customer's date schedules run is looked up through an index,
 * never a scan of a whole table. Checked with SQLite's own EXPLAIN QUERY PLAN on the
 * statements the store really prepared while doing the work (the per-customer read of
 * date schedules was such a scan until the index led with customer_id).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EventBody } from "../../src/events/event-body.js";
import { composeStore } from "../../src/store/compose.js";
import { type OpenedDb, openSqlite } from "../../src/store/db.js";

/** Tables that grow with the customers: a statement may search them, not scan them. */
const GROWING = ["customers", "ownerships", "events", "flow_runs", "messages", "date_schedules"];

const registration = (i: number): EventBody => ({
  type: "registration",
  customer: { email: `owner${i}@example.com`, name: `Owner ${i}`, birthday: `1990-04-0${(i % 9) + 1}` },
  product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: `RD-${i}` },
});

describe("the statements of an event's ingest and date schedules (SQLite)", () => {
  let opened: OpenedDb | null = null;
  afterEach(async () => {
    await opened?.database.close();
    opened = null;
  });

  it("look rows up through an index, never scanning a growing table", async () => {
    opened = openSqlite(join(mkdtempSync(join(tmpdir(), "rapport-plans-")), "rapport.db"));
    const db = opened.database;
    const store = composeStore(db);
    // Every statement the store prepares from here on (the statement cache asks the driver once per text).
    const prepared = new Set<string>();
    await db.exclusive((sqlite) => {
      const prepare = sqlite.prepare.bind(sqlite);
      sqlite.prepare = ((source: string) => {
        prepared.add(source);
        return prepare(source);
      }) as typeof sqlite.prepare;
    });

    for (let i = 0; i < 3; i++) {
      const { event } = await store.recordEvent(registration(i), 1000 + i);
      const ingested = await store.ingestEvent(event, 2000 + i);
      const customerId = ingested.customer.id;
      const subject = await store.dateScheduleSubject(customerId);
      expect(subject?.customer.id).toBe(customerId);
      await store.upsertDateSchedules(
        [
          {
            key: `birthday|${customerId}|-`,
            flowId: "birthday",
            customerId,
            ownershipId: null,
            triggerKey: "customer.birthday@09:00|",
            nextAt: 5000 + i,
          },
        ],
        3000 + i,
      );
      expect((await store.dateScheduleSubject(customerId))?.schedules).toHaveLength(1);
    }

    const plans = await db.exclusive((sqlite) =>
      [...prepared]
        // Not inserts: their plans list the scans SQLite makes for a parent row only while a
        // deferred foreign-key violation is outstanding (never, here), which are not run.
        .filter((text) => /^\s*(select|update|delete|with)\b/i.test(text))
        .map((text) => {
          // Every value a placeholder `?` (query.ts): null stands in for each.
          const values = Array.from(text.matchAll(/\?/g), () => null);
          const rows = sqlite.prepare(`explain query plan ${text}`).all(...values) as Array<{
            detail: string;
          }>;
          return { text: text.replace(/\s+/g, " ").trim(), steps: rows.map((r) => r.detail) };
        }),
    );
    // The work above ran the statements this test is about.
    expect(plans.some((p) => /from "date_schedules" where customer_id/.test(p.text))).toBe(true);

    const scans = plans.flatMap((p) =>
      p.steps
        .filter((step) => GROWING.some((table) => new RegExp(`^SCAN ${table}\\b`).test(step)))
        .map((step) => `${step}: ${p.text.slice(0, 160)}`),
    );
    expect(scans).toEqual([]);
  });
});
