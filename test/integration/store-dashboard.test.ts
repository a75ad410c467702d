/**
 * The dashboard's store queries on both backends: run counts grouped by flow, version,
 * status, cursor and outcome; replies per flow; the inbox (human replies and owner-line
 * mail, not auto-replies or bounces) newest first in keyset pages, marked handled once;
 * failed messages, events and inbound mail in pages; customers by the beginning of their
 * address.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { composeStore } from "../../src/store/compose.js";
import { customers, events, flowRuns, messages } from "../../src/store/schema.js";
import type { Database } from "../../src/store/sql/handle.js";
import { adhoc, query } from "../../src/store/sql/query.js";
import type { NewInteraction, PageCursor, Store } from "../../src/store/store.js";
import { type OpenedTestDatabase, storeBackends } from "../support/store-backends.js";

const p = sql.placeholder;

const insertCustomer = query(sql`
  insert into ${customers} (id, email, name, created_at, updated_at)
  values (${p("id")}, ${p("email")}, ${p("name")}, 1000, 1000)`);
const insertEvent = query(sql`
  insert into ${events} (id, type, occurred_at, received_at, customer_email, payload, status, customer_id, error)
  values (${p("id")}, 'registraton', ${p("at")}, ${p("at")}, 'ada@example.com', '{}', ${p("status")}, 'c1', ${p("error")})`);
const insertRun = query(sql`
  insert into ${flowRuns} (id, flow_id, flow_version, customer_id, event_id, entry_key, state, status, place, outcome,
    seq, created_at, updated_at)
  values (${p("id")}, ${p("flowId")}, ${p("version")}, 'c1', 'e0', ${p("id")}, ${p("state")}, ${p("status")},
    ${p("place")}, ${p("outcome")}, 1, 1000, 1000)`);
const insertMessage = query(sql`
  insert into ${messages} (id, dedupe_key, customer_id, template, to_address, message_id_header, status, error, created_at, updated_at)
  values (${p("id")}, ${p("id")}, 'c1', 'thank-you', 'ada@example.com', ${p("id")}, ${p("status")}, ${p("error")}, 1000, ${p("at")})`);

/** A run's state and the columns that copy it (as src/store/run-inserts.ts writes them). */
const state = (cursor: number[], status: string, outcome?: string) => ({
  state: JSON.stringify({
    cursor,
    status,
    wakeAt: null,
    waitingFor: null,
    waitingSince: null,
    replies: [],
    outcome,
  }),
  place: JSON.stringify(cursor),
  outcome: outcome ?? null,
});

const interaction = (over: Partial<NewInteraction>): NewInteraction => ({
  kind: "human_reply",
  messageIdHeader: `<${randomUUID()}@mail.example>`,
  customerId: "c1",
  ownershipId: null,
  messageId: null,
  runId: null,
  attributedBy: "in-reply-to",
  toOwnerAddress: false,
  fromAddress: "ada@example.com",
  subject: "Re: thanks",
  text: "It works well.",
  detail: {},
  occurredAt: 1500,
  ...over,
});

/** The statement of the dashboard migration that fills place and outcome of runs stored before it. */
function backfill(dialect: "sqlite" | "postgres"): string {
  const dir = dialect === "sqlite" ? "src/store/migrations" : "src/store/migrations-pg";
  const file = readdirSync(dir).find((f) => /^\d{4}_dashboard\.sql$/.test(f)) as string;
  const statement = readFileSync(`${dir}/${file}`, "utf8")
    .split("--> statement-breakpoint")
    .find((s) => /UPDATE\s+\W?flow_runs/.test(s));
  if (!statement) throw new Error(`${dir}/${file}: no UPDATE of flow_runs`);
  return statement.replace(/^\s*--.*$/gm, "").trim();
}

/** Every page of a paginated list, following `next`. */
async function allPages<T>(
  read: (cursor: PageCursor | null) => Promise<{ items: T[]; next: PageCursor | null }>,
): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: PageCursor | null = null;
  for (;;) {
    const page = await read(cursor);
    pages.push(page.items);
    if (!page.next) return pages;
    cursor = page.next;
  }
}

describe.each(storeBackends)("dashboard store ($name)", ({ skip, openDatabase }) => {
  let opened: OpenedTestDatabase;
  let db: Database;
  let store: Store;

  beforeEach(async () => {
    if (skip) return;
    opened = await openDatabase();
    db = opened.database;
    store = composeStore(db);
    await db.tx(async (t) => {
      await t.run(insertCustomer, { id: "c1", email: "ada@example.com", name: "Ada" });
      await t.run(insertCustomer, { id: "c2", email: "adam@example.com", name: null });
      await t.run(insertCustomer, { id: "c3", email: "bob@example.com", name: "Bob" });
    });
  });
  afterEach(async () => {
    if (!skip) await opened.dispose();
  });

  it.skipIf(skip)("counts runs by flow, version, status, cursor and outcome", async () => {
    const runs: Array<[string, string, string, string, ReturnType<typeof state>]> = [
      ["r1", "f", "v1", "waiting", state([1], "waiting")],
      ["r2", "f", "v1", "waiting", state([1], "waiting")],
      ["r3", "f", "v1", "active", state([2, 0, 1], "active")],
      ["r4", "f", "v1", "completed", state([3], "completed", "exited")],
      ["r5", "f", "v0", "failed", state([0], "failed")],
      ["r6", "g", "v1", "completed", state([2], "completed")],
    ];
    await db.tx(async (t) => {
      for (const [id, flowId, version, status, s] of runs)
        await t.run(insertRun, { id, flowId, version, status, ...s });
    });
    const counts = await store.flowRunCounts();
    const sorted = [...counts].sort((a, b) =>
      `${a.flowId}${a.status}${a.cursor}`.localeCompare(`${b.flowId}${b.status}${b.cursor}`),
    );
    expect(sorted).toEqual([
      { flowId: "f", flowVersion: "v1", status: "active", cursor: [2, 0, 1], outcome: null, runs: 1 },
      { flowId: "f", flowVersion: "v1", status: "completed", cursor: [3], outcome: "exited", runs: 1 },
      { flowId: "f", flowVersion: "v0", status: "failed", cursor: null, outcome: null, runs: 1 },
      { flowId: "f", flowVersion: "v1", status: "waiting", cursor: [1], outcome: null, runs: 2 },
      { flowId: "g", flowVersion: "v1", status: "completed", cursor: [2], outcome: null, runs: 1 },
    ]);
  });

  it.skipIf(skip)(
    "fills place and outcome of runs stored before the migration from their state",
    async () => {
      const old = state([2, 0, 1], "completed", "exited");
      const older = state([0], "waiting");
      await db.tx(async (t) => {
        await t.run(insertRun, {
          id: "o1",
          flowId: "f",
          version: "v1",
          status: "completed",
          ...old,
          place: null,
          outcome: null,
        });
        await t.run(insertRun, {
          id: "o2",
          flowId: "f",
          version: "v1",
          status: "waiting",
          ...older,
          place: null,
          outcome: null,
        });
        await t.run(adhoc(sql.raw(backfill(db.dialect))));
      });
      const counts = await store.flowRunCounts();
      expect(
        counts
          .map(({ cursor, outcome, runs }) => ({ cursor, outcome, runs }))
          .sort((a, b) => b.runs - a.runs || String(a.cursor).localeCompare(String(b.cursor))),
      ).toEqual([
        { cursor: [0], outcome: null, runs: 1 },
        { cursor: [2, 0, 1], outcome: "exited", runs: 1 },
      ]);
    },
  );

  it.skipIf(skip)(
    "keeps human replies and owner-line mail in the inbox until handled, newest first, in pages",
    async () => {
      await db.tx(async (t) => {
        await t.run(insertRun, {
          id: "r1",
          flowId: "f",
          version: "v1",
          status: "waiting",
          ...state([1], "waiting"),
        });
      });
      const kinds: Array<Partial<NewInteraction>> = [
        { occurredAt: 1000, runId: "r1" },
        { occurredAt: 2000, kind: "auto_reply" },
        { occurredAt: 3000, kind: "auto_reply", toOwnerAddress: true, text: "owner line, out of office" },
        { occurredAt: 3000, kind: "bounce", customerId: null },
        { occurredAt: 4000, toOwnerAddress: true, customerId: "c2", text: "a question about my Lyra" },
        { occurredAt: 5000 },
        // An SMS keyword rapport answered itself: recorded handled, never in the inbox.
        { occurredAt: 5500, handledAt: 5500, text: "HELP", detail: { channel: "sms", keyword: "help" } },
      ];
      const ids: string[] = [];
      for (const [i, over] of kinds.entries()) {
        const inbound = await store.recordInbound(
          {
            source: "smtp",
            envelopeFrom: "ada@example.com",
            envelopeTo: ["x@reply.example"],
            raw: Buffer.from(`m${i}`),
          },
          900,
        );
        const out = await store.recordInteraction(inbound.id, interaction(over), null, 900);
        ids.push(out.interaction.id);
      }
      expect(await store.inboxCount()).toBe(4);
      const pages = await allPages((c) => store.inbox(c, 2));
      expect(pages.map((page) => page.map((i) => i.occurredAt))).toEqual([[5000, 4000], [3000, 1000], []]);
      const first = pages[0]?.[1];
      expect(first).toMatchObject({
        toOwnerAddress: true,
        customerEmail: "adam@example.com",
        text: "a question about my Lyra",
        kind: "human_reply",
      });
      expect(pages[1]?.[1]).toMatchObject({ flowId: "f", customerName: "Ada" });

      expect(await store.markHandled(ids[4] as string, 6000)).toBe(true);
      expect(await store.markHandled(ids[4] as string, 7000)).toBe(false);
      // Not an inbox item: nothing to mark.
      expect(await store.markHandled(ids[1] as string, 7000)).toBe(false);
      expect(await store.inboxCount()).toBe(3);
      expect((await store.inbox(null, 10)).items.map((i) => i.occurredAt)).toEqual([5000, 3000, 1000]);
      // The timeline's interactions keep their shape (handled_at is the dashboard's).
      const tl = await store.timeline("adam@example.com");
      expect(tl?.interactions[0]).not.toHaveProperty("handledAt");

      const replies = await store.repliesByFlow();
      expect(replies).toEqual([{ flowId: "f", replies: 1 }]);
    },
  );

  it.skipIf(skip)("lists failed messages, events and inbound mail with the reason, in pages", async () => {
    await db.tx(async (t) => {
      for (let i = 0; i < 5; i++)
        await t.run(insertMessage, {
          id: `m${i}`,
          status: i === 4 ? "sent" : "failed",
          error: `refused ${i}`,
          at: 1000 + (i % 2),
        });
      await t.run(insertEvent, { id: "e1", at: 2000, status: "failed", error: "no flow" });
      await t.run(insertEvent, { id: "e2", at: 2100, status: "processed", error: null });
    });
    const inbound = await store.recordInbound(
      { source: "http", envelopeFrom: null, envelopeTo: [], raw: Buffer.from("x") },
      3000,
    );
    await store.failInbound(inbound.id, "could not parse", "c1", 3100);

    const pages = await allPages((c) => store.failures("messages", c, 2));
    // Same times, then ids descending: m3 and m1 at 1001, m2 and m0 at 1000.
    expect(pages.map((page) => page.map((f) => f.id))).toEqual([["m3", "m1"], ["m2", "m0"], []]);
    expect(pages[0]?.[0]).toMatchObject({
      kind: "messages",
      what: "thank-you",
      error: "refused 3",
      customerEmail: "ada@example.com",
    });
    expect((await store.failures("events", null, 10)).items).toEqual([
      {
        kind: "events",
        id: "e1",
        at: 2000,
        what: "registraton",
        error: "no flow",
        customerEmail: "ada@example.com",
      },
    ]);
    expect((await store.failures("inbound", null, 10)).items).toEqual([
      {
        kind: "inbound",
        id: inbound.id,
        at: 3000,
        what: "(no sender)",
        error: "could not parse",
        customerEmail: "ada@example.com",
      },
    ]);
  });

  it.skipIf(skip)("finds customers by the beginning of their address, in pages", async () => {
    expect((await store.findCustomers("ADA", 10)).map((c) => c.email)).toEqual([
      "ada@example.com",
      "adam@example.com",
    ]);
    expect((await store.findCustomers("ada", 1, "ada@example.com")).map((c) => c.email)).toEqual([
      "adam@example.com",
    ]);
    expect(await store.findCustomers("zed", 10)).toEqual([]);
  });
});
