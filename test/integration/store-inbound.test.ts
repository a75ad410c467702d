/**
 * Inbound mail, interactions and the timeline on both backends: raw bytes kept exactly,
 * an interaction recorded once per inbound message and once per Message-ID (also when
 * two copies of one mail are recorded at the same moment), suppressions, the timeline.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inboundStore } from "../../src/store/inbound.js";
import {
  customers,
  events,
  flowRuns,
  inboundMessages,
  messages,
  ownerships,
  products,
  runSteps,
} from "../../src/store/schema.js";
import type { Database } from "../../src/store/sql/handle.js";
import { query } from "../../src/store/sql/query.js";
import type { InboundStore, NewInteraction, TimelineStore } from "../../src/store/store.js";
import { timelineStore } from "../../src/store/timeline.js";
import { type OpenedTestDatabase, storeBackends } from "../support/store-backends.js";

const p = sql.placeholder;

const insertCustomer = query(sql`
  insert into ${customers} (id, email, name, created_at, updated_at)
  values (${p("id")}, ${p("email")}, ${p("name")}, 1000, 1000)`);
const insertProduct = query(sql`
  insert into ${products} (id, sku, name, created_at, updated_at) values (${p("id")}, ${p("sku")}, 'Lyra', 1000, 1000)`);
const insertOwnership = query(sql`
  insert into ${ownerships} (id, customer_id, product_id, serial, kind, started_at, created_at, updated_at)
  values (${p("id")}, ${p("customerId")}, ${p("productId")}, '', 'registration', 1000, 1000, 1000)`);
const insertEvent = query(sql`
  insert into ${events} (id, type, occurred_at, received_at, customer_email, payload, status, customer_id)
  values (${p("id")}, 'registration', 1000, 1000, ${p("email")}, ${p("payload")}, 'processed', ${p("customerId")})`);
const insertRun = query(sql`
  insert into ${flowRuns} (id, flow_id, flow_version, customer_id, event_id, entry_key, state, status, seq, created_at, updated_at)
  values (${p("id")}, 'f', 'v1', ${p("customerId")}, ${p("eventId")}, ${p("id")}, ${p("state")}, 'waiting', 1, 1000, 1000)`);
const insertStep = query(sql`
  insert into ${runSteps} (run_id, seq, step_id, step_type, at) values (${p("runId")}, 1, 'thanks', 'send', 1000)`);
const insertMessage = query(sql`
  insert into ${messages} (id, dedupe_key, run_id, customer_id, template, to_address, transactional, message_id_header, created_at, updated_at)
  values (${p("id")}, ${p("id")}, ${p("runId")}, ${p("customerId")}, 'thank-you', ${p("email")}, ${p("transactional")},
    ${p("header")}, 1000, 1000)`);
const failInboundFor = query(sql`
  update ${inboundMessages} set status = 'failed', error = ${p("error")}, failed_customer_id = ${p("customerId")}
  where id = ${p("id")}`);
const countSuppressions = query<{ n: number }>(sql`select count(*) as n from suppressions`);

const reply = (over: Partial<NewInteraction> = {}): NewInteraction => ({
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
  detail: { reason: "test" },
  occurredAt: 1500,
  ...over,
});

const mail = (text: string) => ({
  source: "smtp" as const,
  envelopeFrom: "ada@example.com",
  envelopeTo: ["reply@brand.example"],
  raw: Buffer.from(text),
});

describe.each(storeBackends)("inbound store ($name)", ({ skip, openDatabase }) => {
  let opened: OpenedTestDatabase;
  let db: Database;
  let store: InboundStore & TimelineStore;

  beforeEach(async () => {
    if (skip) return;
    opened = await openDatabase();
    db = opened.database;
    store = { ...inboundStore(db, randomUUID), ...timelineStore(db) };
    await db.tx((t) => t.run(insertCustomer, { id: "c1", email: "ada@example.com", name: "Ada" }));
  });
  afterEach(async () => {
    if (!skip) await opened.dispose();
  });

  it.skipIf(skip)("keeps the raw message byte for byte", async () => {
    // Every byte value, CRLFs and bytes that are not UTF-8.
    const raw = Buffer.concat([
      Buffer.from("Subject: x\r\n\r\n"),
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    ]);
    const stored = await store.recordInbound(
      { ...mail(""), raw, envelopeTo: ["a@x.example", "b@x.example"] },
      2000,
    );
    expect(stored).toMatchObject({
      source: "smtp",
      receivedAt: 2000,
      envelopeFrom: "ada@example.com",
      envelopeTo: ["a@x.example", "b@x.example"],
      size: raw.length,
      status: "received",
      interactionId: null,
    });
    const back = await store.getInbound(stored.id);
    expect(Buffer.isBuffer(back?.raw)).toBe(true);
    expect(back?.raw.equals(raw)).toBe(true);
    expect(await store.getInbound("nope")).toBeNull();
  });

  it.skipIf(skip)("lists inbound mail never processed, and marks it failed", async () => {
    const a = await store.recordInbound(mail("a"), 1000);
    const b = await store.recordInbound(mail("b"), 2000);
    await store.recordInbound(mail("c"), 3000);
    expect(await store.listStrandedInbound(2500, 10)).toEqual([a.id, b.id]);
    expect(await store.listStrandedInbound(2500, 1)).toEqual([a.id]);
    await store.markInboundFailed(a.id, "could not parse", 4000);
    expect(await store.getInbound(a.id)).toMatchObject({
      status: "failed",
      error: "could not parse",
      processedAt: 4000,
    });
    expect(await store.listStrandedInbound(2500, 10)).toEqual([b.id]);
  });

  it.skipIf(skip)("records an interaction once per inbound message and once per Message-ID", async () => {
    const first = await store.recordInbound(mail("one"), 1000);
    const copy = await store.recordInbound(mail("one again"), 1001);
    const interaction = reply({ toOwnerAddress: true });
    const recorded = await store.recordInteraction(first.id, interaction, null, 2000);
    expect(recorded.outcome).toBe("recorded");
    expect(recorded.interaction).toMatchObject({
      inboundId: first.id,
      kind: "human_reply",
      toOwnerAddress: true,
      detail: { reason: "test" },
      createdAt: 2000,
    });
    expect(await store.getInbound(first.id)).toMatchObject({
      status: "processed",
      interactionId: recorded.interaction.id,
      error: null,
    });

    // The job retried: its own row comes back, nothing new is written.
    const retried = await store.recordInteraction(first.id, { ...interaction, text: "changed" }, null, 3000);
    expect(retried).toEqual(recorded);

    // Another copy of the same mail: a duplicate of the first.
    const dup = await store.recordInteraction(copy.id, interaction, null, 3000);
    expect(dup).toEqual({ outcome: "duplicate", interaction: recorded.interaction });
    expect(await store.getInbound(copy.id)).toMatchObject({
      status: "processed",
      interactionId: recorded.interaction.id,
      error: `a copy of the message already recorded as interaction ${recorded.interaction.id}`,
    });

    // Without a Message-ID every message is its own.
    const x = await store.recordInbound(mail("x"), 1000);
    const y = await store.recordInbound(mail("y"), 1000);
    const nx = await store.recordInteraction(x.id, reply({ messageIdHeader: null }), null, 2000);
    const ny = await store.recordInteraction(y.id, reply({ messageIdHeader: null }), null, 2000);
    expect([nx.outcome, ny.outcome]).toEqual(["recorded", "recorded"]);
    expect(nx.interaction.id).not.toBe(ny.interaction.id);
    expect(nx.interaction.toOwnerAddress).toBe(false);
  });

  it.skipIf(skip)("suppresses the address once, with the interaction that asked first", async () => {
    const a = await store.recordInbound(mail("unsubscribe"), 1000);
    const b = await store.recordInbound(mail("unsubscribe again"), 1000);
    const first = await store.recordInteraction(
      a.id,
      reply({ kind: "unsubscribe" }),
      { email: "Ada@Example.com", reason: "unsubscribe" },
      2000,
    );
    await store.recordInteraction(
      b.id,
      reply({ kind: "unsubscribe" }),
      { email: "ada@example.com", reason: "unsubscribe" },
      3000,
    );
    const tl = await store.timeline("ada@example.com");
    expect(tl?.suppression).toEqual({
      email: "ada@example.com",
      reason: "unsubscribe",
      interactionId: first.interaction.id,
      createdAt: 2000,
    });
    // A duplicate copy adds no suppression of its own.
    const header = first.interaction.messageIdHeader;
    const c = await store.recordInbound(mail("copy"), 1000);
    const dup = await store.recordInteraction(
      c.id,
      reply({ messageIdHeader: header, fromAddress: "grace@example.com" }),
      { email: "grace@example.com", reason: "hard_bounce" },
      4000,
    );
    expect(dup.outcome).toBe("duplicate");
    expect((await db.read((t) => t.get(countSuppressions)))?.n).toBe(1);
  });

  it.skipIf(skip)(
    "a complaint takes an unsubscribe's place (it stops transactional mail too); not the reverse",
    async () => {
      const a = await store.recordInbound(mail("unsubscribe"), 1000);
      const b = await store.recordInbound(mail("complaint"), 1000);
      const c = await store.recordInbound(mail("unsubscribe later"), 1000);
      await store.recordInteraction(
        a.id,
        reply({ kind: "unsubscribe" }),
        { email: "ada@example.com", reason: "unsubscribe" },
        2000,
      );
      const complaint = await store.recordInteraction(
        b.id,
        reply({ kind: "complaint" }),
        { email: "ada@example.com", reason: "complaint" },
        3000,
      );
      await store.recordInteraction(
        c.id,
        reply({ kind: "unsubscribe" }),
        { email: "ada@example.com", reason: "unsubscribe" },
        4000,
      );
      expect((await store.timeline("ada@example.com"))?.suppression).toEqual({
        email: "ada@example.com",
        reason: "complaint",
        interactionId: complaint.interaction.id,
        createdAt: 3000,
      });
    },
  );

  it.skipIf(skip)("records one of two copies of a mail recorded at the same moment", async () => {
    for (let round = 0; round < 10; round++) {
      const header = `<round-${round}-${randomUUID()}@mail.example>`;
      const copies = await Promise.all([
        store.recordInbound(mail(`copy a ${round}`), 1000),
        store.recordInbound(mail(`copy b ${round}`), 1000),
      ]);
      const outcomes = await Promise.all(
        copies.map((c) =>
          store.recordInteraction(
            c.id,
            reply({ messageIdHeader: header }),
            { email: "ada@example.com", reason: "unsubscribe" },
            2000,
          ),
        ),
      );
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(["duplicate", "recorded"]);
      const ids = new Set(outcomes.map((o) => o.interaction.id));
      expect(ids.size).toBe(1);
      for (const c of copies) {
        expect((await store.getInbound(c.id))?.interactionId).toBe([...ids][0]);
      }
    }
    const tl = await store.timeline("ada@example.com");
    expect(tl?.interactions).toHaveLength(10);
  });

  it.skipIf(skip)("records one interaction when one message's job runs twice at once", async () => {
    const m = await store.recordInbound(mail("once"), 1000);
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => store.recordInteraction(m.id, reply(), null, 2000)),
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(["recorded", "recorded", "recorded"]);
    expect(new Set(outcomes.map((o) => o.interaction.id)).size).toBe(1);
  });

  it.skipIf(skip)("shows everything about a customer on the timeline, oldest first", async () => {
    await db.tx(async (t) => {
      await t.run(insertProduct, { id: "p1", sku: "LYRA-1" });
      await t.run(insertOwnership, { id: "o1", customerId: "c1", productId: "p1" });
      await t.run(insertEvent, {
        id: "e1",
        email: "ada@example.com",
        payload: '{"type":"registration"}',
        customerId: "c1",
      });
      await t.run(insertRun, { id: "r1", customerId: "c1", eventId: "e1", state: '{"status":"waiting"}' });
      await t.run(insertStep, { runId: "r1" });
      await t.run(insertMessage, {
        id: "m1",
        runId: "r1",
        customerId: "c1",
        email: "ada@example.com",
        transactional: false,
        header: "<m1@brand.example>",
      });
    });
    const replied = await store.recordInbound(mail("thanks"), 1000);
    const recorded = await store.recordInteraction(
      replied.id,
      reply({ messageId: "m1", runId: "r1" }),
      null,
      2000,
    );
    const broken = await store.recordInbound(mail("garbled"), 3000);
    await db.tx((t) => t.run(failInboundFor, { id: broken.id, error: "no From", customerId: "c1" }));

    expect(await store.timeline("nobody@example.com")).toBeNull();
    const tl = await store.timeline("ADA@example.com");
    expect(tl?.customer).toMatchObject({ id: "c1", email: "ada@example.com", attributes: {}, tags: [] });
    expect(tl?.ownerships).toEqual([
      {
        id: "o1",
        customerId: "c1",
        productId: "p1",
        serial: null,
        kind: "registration",
        status: "active",
        startedAt: 1000,
        endedAt: null,
        product: { id: "p1", sku: "LYRA-1", name: "Lyra", category: null, relationship: null },
      },
    ]);
    expect(tl?.events.map((e) => [e.id, e.body])).toEqual([["e1", { type: "registration" }]]);
    expect(tl?.runs).toHaveLength(1);
    expect(tl?.runs[0]).toMatchObject({ id: "r1", seq: 1, status: "waiting", state: { status: "waiting" } });
    expect(tl?.runs[0]?.steps).toEqual([
      { runId: "r1", seq: 1, stepId: "thanks", stepType: "send", at: 1000, detail: null },
    ]);
    expect(tl?.messages).toHaveLength(1);
    expect(tl?.messages[0]).toMatchObject({ id: "m1", transactional: false, possibleDuplicate: false });
    expect(tl?.messages[0]).not.toHaveProperty("dedupeKey");
    expect(tl?.interactions).toEqual([recorded.interaction]);
    expect(tl?.suppression).toBeNull();
    expect(tl?.failedInbound).toEqual([
      { id: broken.id, receivedAt: 3000, envelopeFrom: "ada@example.com", error: "no From" },
    ]);
  });
});
