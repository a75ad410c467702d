/**
 * The send ledger and the failure marks on both backends: claims and lease takeovers,
 * markSent, refusals recorded once, the frequency cap's claim order, and claims racing
 * on a real pool (Postgres: separate connections, so the database holds the rules).
 */
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failedInboundOf, failureStore } from "../../src/store/failures.js";
import { outboxStore } from "../../src/store/messages.js";
import { runStore } from "../../src/store/runs.js";
import {
  customers,
  events,
  flowRuns,
  inboundMessages,
  interactions,
  messages,
  ownerships,
  products,
  suppressions,
} from "../../src/store/schema.js";
import type { Database } from "../../src/store/sql/handle.js";
import { query } from "../../src/store/sql/query.js";
import type { FailureStore, OutboxStore } from "../../src/store/store.js";
import { countingDatabase } from "../support/counting-database.js";
import { type OpenedTestDatabase, storeBackends } from "../support/store-backends.js";

const p = sql.placeholder;

// Fixtures written in SQL, so both backends get the same rows.
const insertCustomer = query(sql`
  insert into ${customers} (id, email, created_at, updated_at)
  values (${p("id")}, ${p("email")}, 0, 0)`);
const insertProduct = query(sql`
  insert into ${products} (id, sku, name, created_at, updated_at) values (${p("id")}, ${p("sku")}, 'Lyra', 0, 0)`);
const insertOwnership = query(sql`
  insert into ${ownerships} (id, customer_id, product_id, kind, started_at, created_at, updated_at)
  values (${p("id")}, ${p("customerId")}, ${p("productId")}, 'registration', 0, 0, 0)`);
const insertEvent = query(sql`
  insert into ${events} (id, type, occurred_at, received_at, customer_email, payload, status)
  values (${p("id")}, 'registration', 0, 0, 'ada@example.com', '{}', ${p("status")})`);
const insertRun = query(sql`
  insert into ${flowRuns} (id, flow_id, flow_version, customer_id, event_id, entry_key, state, status, created_at, updated_at)
  values (${p("id")}, 'f', 'v1', ${p("customerId")}, 'e1', ${p("id")}, ${p("state")}, ${p("status")}, 0, 0)`);
const insertInbound = query(sql`
  insert into ${inboundMessages} (id, source, received_at, envelope_from, raw, size, status)
  values (${p("id")}, 'smtp', ${p("receivedAt")}, 'ada@example.com', ${p("raw")}, 1, 'received')`);
const insertMessage = query(sql`
  insert into ${messages} (id, dedupe_key, customer_id, ownership_id, event_id, template, audience, to_address,
    transactional, status, attempts, uncertain_attempts, lease_until, message_id_header, sent_at, created_at, updated_at)
  values (${p("id")}, ${p("id")}, ${p("customerId")}, ${p("ownershipId")}, ${p("eventId")}, 't', ${p("audience")},
    ${p("toAddress")}, ${p("transactional")}, ${p("status")}, 0, 0, ${p("leaseUntil")}, ${p("header")},
    ${p("sentAt")}, 0, 0)`);
const countOf = {
  bounces: query<{ n: number }>(sql`select count(*) as n from ${interactions} where kind = 'bounce'`),
  suppressions: query<{ n: number }>(sql`select count(*) as n from ${suppressions}`),
};

interface MessageFixture {
  customerId?: string;
  transactional?: boolean;
  audience?: "customer" | "team";
  status?: string;
  leaseUntil?: number | null;
  sentAt?: number | null;
  ownershipId?: string | null;
  eventId?: string | null;
}

const RUNNING = JSON.stringify({
  cursor: [0],
  status: "waiting",
  wakeAt: 5,
  waitingFor: "time",
  replies: [],
});

describe.each(storeBackends)("the outbox store ($name)", ({ skip, openDatabase }) => {
  let opened: OpenedTestDatabase | null = null;
  let db: Database;
  let outbox: OutboxStore;
  let failures: FailureStore;
  let ids = 0;

  const customer = (id: string, email: string) => db.tx((t) => t.run(insertCustomer, { id, email }));
  const message = (id: string, f: MessageFixture = {}) =>
    db.tx((t) =>
      t.run(insertMessage, {
        id,
        customerId: f.customerId ?? "c1",
        ownershipId: f.ownershipId ?? null,
        eventId: f.eventId ?? null,
        audience: f.audience ?? "customer",
        toAddress: "Ada@Example.com",
        transactional: f.transactional ?? false,
        status: f.status ?? "queued",
        leaseUntil: f.leaseUntil ?? null,
        sentAt: f.sentAt ?? null,
        header: `<${id}@x>`,
      }),
    );

  beforeEach(async () => {
    if (skip) return;
    opened = await openDatabase();
    db = opened.database;
    outbox = outboxStore(db, () => `i${++ids}`);
    failures = failureStore(db);
    await customer("c1", "ada@example.com");
  });
  afterEach(async () => {
    await opened?.dispose();
    opened = null;
  });

  it.skipIf(skip)(
    "claims once, respects a live lease, and counts a takeover of a lapsed one as uncertain",
    async () => {
      await message("m1");
      const first = await outbox.claimMessage("m1", 2000, 100);
      expect(first).toMatchObject({
        outcome: "claimed",
        message: {
          status: "sending",
          attempts: 1,
          uncertainAttempts: 0,
          leaseUntil: 2100,
          transactional: false,
        },
      });
      expect(await outbox.claimMessage("m1", 2050, 100)).toMatchObject({ outcome: "busy" });
      // The first attempt died: its lease runs out and another takes over.
      expect(await outbox.listStrandedMessages(2050, 0, 10)).toEqual([]);
      expect(await outbox.listStrandedMessages(2101, 0, 10)).toEqual(["m1"]);
      const taken = await outbox.claimMessage("m1", 2200, 100);
      expect(taken).toMatchObject({ outcome: "claimed", message: { attempts: 2, uncertainAttempts: 1 } });
      // The first attempt was only frozen: waking, it fails and gives back its own claim,
      // which is no longer the row's. The second attempt keeps the message.
      await outbox.releaseMessage("m1", "woke up late", 2210, { uncertain: true, leaseUntil: 2100 });
      expect(await outbox.getMessage("m1")).toMatchObject({
        status: "sending",
        leaseUntil: 2300,
        uncertainAttempts: 1,
        error: null,
      });
      // A failed send past its deadline gives its claim back, uncertain too.
      await outbox.releaseMessage("m1", "deadline", 2250, { uncertain: true, leaseUntil: 2300 });
      expect(await outbox.getMessage("m1")).toMatchObject({
        status: "queued",
        uncertainAttempts: 2,
        leaseUntil: null,
      });
      // Released twice: only a claimed row is given back.
      await outbox.releaseMessage("m1", "again", 2260, { uncertain: true });
      expect(await outbox.getMessage("m1")).toMatchObject({ uncertainAttempts: 2, error: "deadline" });
      const third = await outbox.claimMessage("m1", 2300, 100);
      expect(third).toMatchObject({ outcome: "claimed", message: { attempts: 3, uncertainAttempts: 2 } });
      await outbox.markSent("m1", { subject: "Hi", smtpResponse: "250 OK", now: 2350 });
      expect(await outbox.claimMessage("m1", 9000, 100)).toMatchObject({ outcome: "done" });
      expect(await outbox.claimMessage("nope", 9000, 100)).toEqual({ outcome: "missing" });
      expect(await outbox.countPossibleDuplicates()).toBe(1);
    },
  );

  it.skipIf(skip)("marks a message sent idempotently", async () => {
    await message("m1");
    await outbox.claimMessage("m1", 1000, 100);
    const result = { subject: "Hi", smtpResponse: "250 OK", now: 1050 };
    await outbox.markSent("m1", result);
    const once = await outbox.getMessage("m1");
    await outbox.markSent("m1", result);
    expect(await outbox.getMessage("m1")).toEqual(once);
    expect(once).toMatchObject({
      status: "sent",
      sentAt: 1050,
      leaseUntil: null,
      subject: "Hi",
      error: null,
    });
    expect(await outbox.countPossibleDuplicates()).toBe(0);
  });

  it.skipIf(skip)("marks many messages sent at once, each with its own result (group commit)", async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `g${i}`);
    for (const id of ids) {
      await message(id);
      await outbox.claimMessage(id, 1000, 100);
    }
    // What reaches the database: transactions (SQLite) or statements on their own (Postgres).
    const counted = countingDatabase(db, ["tx", "write"]);
    const marking = outboxStore(counted.database, () => "unused");
    // All at once: the first goes alone, the rest wait for it and commit together (on
    // Postgres, in one statement).
    await Promise.all(
      ids.map((id, i) =>
        marking.markSent(id, { subject: `Hi ${i}`, smtpResponse: `250 ${id}`, now: 1100 + i }),
      ),
    );
    expect(counted.calls()).toBeGreaterThanOrEqual(2);
    expect(counted.calls()).toBeLessThan(5);
    for (const [i, id] of ids.entries()) {
      expect(await outbox.getMessage(id)).toMatchObject({
        status: "sent",
        subject: `Hi ${i}`,
        smtpResponse: `250 ${id}`,
        sentAt: 1100 + i,
        leaseUntil: null,
      });
    }
  });

  it.skipIf(skip)("records a refusal as a hard bounce and suppression, once per message", async () => {
    await message("m1");
    await outbox.claimMessage("m1", 1000, 100);
    const refusal = {
      command: "RCPT TO",
      responseCode: 550,
      response: "550 5.1.1 <ada@example.com>: no such user",
    };
    await outbox.recordSendRefusal("m1", refusal, 1010);
    await outbox.recordSendRefusal("m1", refusal, 1020);
    expect(await outbox.getMessage("m1")).toMatchObject({ status: "failed", leaseUntil: null });
    expect((await outbox.getMessage("m1"))?.error).toMatch(
      /^refused by the mail server at RCPT TO: 550 5\.1\.1/,
    );
    const counts = await db.read(async (t) => ({
      bounces: (await t.get(countOf.bounces))?.n,
      suppressions: (await t.get(countOf.suppressions))?.n,
    }));
    expect(counts).toEqual({ bounces: 1, suppressions: 1 });
    // The next message to the address finds it suppressed.
    await message("m2");
    const ctx = await outbox.deliveryContext("m2");
    expect(ctx?.suppression).toMatchObject({
      email: "ada@example.com",
      reason: "hard_bounce",
      createdAt: 1010,
    });
  });

  it.skipIf(skip)(
    "gives a message's delivery context in one read, with what is missing as null",
    async () => {
      await db.tx(async (t) => {
        await t.run(insertProduct, { id: "p1", sku: "LYRA" });
        await t.run(insertOwnership, { id: "o1", customerId: "c1", productId: "p1" });
        await t.run(insertEvent, { id: "e1", status: "processed" });
      });
      await message("m1", { ownershipId: "o1", eventId: "e1", transactional: true });
      await message("m2");
      const ctx = await outbox.deliveryContext("m1");
      expect(ctx).toMatchObject({
        message: { id: "m1", transactional: true },
        customer: { id: "c1", email: "ada@example.com", tags: [], attributes: {} },
        ownership: { id: "o1", serial: null },
        product: { id: "p1", sku: "LYRA" },
        event: { id: "e1", body: {} },
        suppression: null,
      });
      expect(await outbox.deliveryContext("m2")).toMatchObject({
        message: { id: "m2" },
        ownership: null,
        product: null,
        event: null,
      });
      expect(await outbox.deliveryContext("nope")).toBeNull();

      // An uncapped claim on Postgres reads the same context in its statement, as claimed.
      const claimed = await outbox.claimMessage("m1", 1000, 100, { uncapped: true });
      const after = await outbox.deliveryContext("m1");
      expect(after).toMatchObject({ message: { status: "sending", leaseUntil: 1100, attempts: 1 } });
      expect(claimed).toMatchObject({ outcome: "claimed", message: after?.message });
      if (db.dialect === "postgres") expect(claimed).toMatchObject({ context: after });
      else expect(claimed).not.toHaveProperty("context");
      expect(
        (await outbox.findMessagesByHeader(["<m2@x>", "<m1@x>", "<zz@x>"])).map((m) => m.id).sort(),
      ).toEqual(["m1", "m2"]);
      expect(await outbox.findMessagesByHeader([])).toEqual([]);
    },
  );

  it.skipIf(skip)(
    "postpones and suppresses only as asked, and a postponed message is not stranded early",
    async () => {
      await message("m1");
      await message("m2");
      await outbox.claimMessage("m1", 1000, 100);
      await outbox.postponeMessage("m1", 5000, "window", 1010);
      expect(await outbox.getMessage("m1")).toMatchObject({
        status: "queued",
        notBefore: 5000,
        error: "window",
      });
      expect(await outbox.listStrandedMessages(4999, 2000, 10)).toEqual(["m2"]);
      expect((await outbox.listStrandedMessages(5000, 2000, 10)).sort()).toEqual(["m1", "m2"]);
      await outbox.suppressMessage("m2", "suppressed", 1020);
      await outbox.failMessage("m1", "gave up", 1030);
      expect(await outbox.getMessage("m2")).toMatchObject({ status: "suppressed", error: "suppressed" });
      expect(await outbox.getMessage("m1")).toMatchObject({ status: "failed", error: "gave up" });
      expect(await outbox.listStrandedMessages(9000, 9000, 10)).toEqual([]);
    },
  );

  it.skipIf(skip)(
    "counts earlier claims for the cap in the order the claims were taken, not by id",
    async () => {
      await customer("c2", "bob@example.com");
      // Claimed in the same millisecond, the later claim with the smaller id.
      await message("m-b");
      await message("m-a");
      await message("tx", { transactional: true });
      await message("team", { audience: "team" });
      await message("other", { customerId: "c2" });
      await message("old", { status: "sent", sentAt: 100 });
      await message("recent", { status: "sent", sentAt: 900 });
      for (const id of ["tx", "team", "other", "m-b", "m-a"]) {
        expect((await outbox.claimMessage(id, 1000, 100)).outcome).toBe("claimed");
      }
      const b = await outbox.getMessage("m-b");
      const a = await outbox.getMessage("m-a");
      expect(a?.leaseUntil).toBeGreaterThan(b?.leaseUntil as number);
      // m-b was first: it counts only what was sent; m-a counts m-b's claim too (at its update time).
      expect(await outbox.relationshipSendTimes("m-b", 500)).toEqual([900]);
      expect((await outbox.relationshipSendTimes("m-a", 500)).sort((x, y) => x - y)).toEqual([900, 1000]);
      // A transactional message's claim does not move the relationship claims' leases.
      expect((await outbox.getMessage("tx"))?.leaseUntil).toBe(1100);
      // A message not claimed counts only what was sent.
      await message("m-c");
      expect(await outbox.relationshipSendTimes("m-c", 500)).toEqual([900]);
      expect(await outbox.relationshipSendTimes("nope", 500)).toEqual([]);
    },
  );

  it.skipIf(skip)("lets exactly one of ten concurrent claims of a message through", async () => {
    await message("rel");
    await message("tx", { transactional: true });
    for (const id of ["rel", "tx"]) {
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => outbox.claimMessage(id, 1000, 60_000).then((c) => c.outcome)),
      );
      expect(outcomes.filter((o) => o === "claimed")).toHaveLength(1);
      expect(outcomes.filter((o) => o === "busy")).toHaveLength(9);
      expect(await outbox.getMessage(id)).toMatchObject({
        status: "sending",
        attempts: 1,
        uncertainAttempts: 0,
      });
    }
  });

  it.skipIf(skip)(
    "orders ten concurrent claims of one customer's messages totally: each counts those before it",
    async () => {
      const names = Array.from({ length: 10 }, (_, i) => `m${i}`);
      for (const id of names) await message(id);
      const claims = await Promise.all(names.map((id) => outbox.claimMessage(id, 1000, 60_000)));
      expect(claims.every((c) => c.outcome === "claimed")).toBe(true);
      const leases = await Promise.all(names.map(async (id) => (await outbox.getMessage(id))?.leaseUntil));
      expect(new Set(leases).size).toBe(10);
      const counted = await Promise.all(
        names.map(async (id) => (await outbox.relationshipSendTimes(id, 0)).length),
      );
      // Whatever order the claims landed in, the k-th claim counts the k before it.
      expect([...counted].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    },
  );

  it.skipIf(skip)("runs one write with RETURNING on its own and gives its row (writeReturning)", async () => {
    await message("w1");
    const setStatus = query<{ id: string; status: string }>(sql`
      update messages set status = ${sql.placeholder("status")} where id = ${sql.placeholder("id")}
      returning id, status`);
    expect(await db.writeReturning(setStatus, { id: "w1", status: "failed" })).toEqual({
      id: "w1",
      status: "failed",
    });
    expect(await db.writeReturning(setStatus, { id: "none", status: "failed" })).toBeUndefined();
    expect(await outbox.getMessage("w1")).toMatchObject({ status: "failed" });
  });

  it.skipIf(skip)(
    "runs one write of many rows on its own and gives every row (writeReturningAll)",
    async () => {
      for (const id of ["a1", "a2", "a3"]) await message(id);
      const fail = query<{ id: string; status: string }>(sql`
      update messages set status = 'failed' where id <> ${sql.placeholder("keep")} returning id, status`);
      const rows = await db.writeReturningAll(fail, { keep: "a2" });
      expect(rows.map((r) => r.id).sort()).toEqual(["a1", "a3"]);
      expect(rows.every((r) => r.status === "failed")).toBe(true);
      expect(await db.writeReturningAll(fail, { keep: "a2" })).toHaveLength(2);
      expect(await outbox.getMessage("a2")).toMatchObject({ status: "queued" });
    },
  );

  it.skipIf(skip)(
    "claims with the outside-the-cap hint as without it; a wrong hint still takes the customer's turn",
    async () => {
      const uncapped = { uncapped: true };
      await message("tx", { transactional: true });
      await message("team", { audience: "team" });
      for (const id of ["tx", "team"]) {
        const outcomes = await Promise.all(
          Array.from({ length: 10 }, () =>
            outbox.claimMessage(id, 1000, 60_000, uncapped).then((c) => c.outcome),
          ),
        );
        expect(outcomes.filter((o) => o === "claimed")).toHaveLength(1);
        expect(outcomes.filter((o) => o === "busy")).toHaveLength(9);
        expect(await outbox.getMessage(id)).toMatchObject({
          status: "sending",
          attempts: 1,
          leaseUntil: 61_000,
        });
      }
      // A lapsed claim taken over counts as uncertain; sent, it is done; unknown, missing.
      expect(await outbox.claimMessage("tx", 70_000, 100, uncapped)).toMatchObject({
        outcome: "claimed",
        message: { attempts: 2, uncertainAttempts: 1, leaseUntil: 70_100 },
      });
      await outbox.markSent("tx", { subject: "Hi", smtpResponse: "250 OK", now: 70_050 });
      expect(await outbox.claimMessage("tx", 80_000, 100, uncapped)).toMatchObject({ outcome: "done" });
      expect(await outbox.claimMessage("nope", 80_000, 100, uncapped)).toEqual({ outcome: "missing" });

      // Relationship messages claimed with the hint by mistake still take turns: each counts those before it.
      const names = Array.from({ length: 6 }, (_, i) => `r${i}`);
      for (const id of names) await message(id);
      const claims = await Promise.all(names.map((id) => outbox.claimMessage(id, 1000, 60_000, uncapped)));
      expect(claims.every((c) => c.outcome === "claimed")).toBe(true);
      const leases = await Promise.all(names.map(async (id) => (await outbox.getMessage(id))?.leaseUntil));
      expect(new Set(leases).size).toBe(6);
      const counted = await Promise.all(
        names.map(async (id) => (await outbox.relationshipSendTimes(id, 0)).length),
      );
      expect([...counted].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
    },
  );

  it.skipIf(skip)(
    "claims many messages outside the cap at once (Postgres: one statement), each with its own lease and context",
    async () => {
      const counted = countingDatabase(db, ["writeReturningAll"]);
      const claiming = outboxStore(counted.database, () => "unused");
      const ids = Array.from({ length: 20 }, (_, i) => `t${i}`);
      for (const id of ids) await message(id, { transactional: true });
      await message("sent", { transactional: true, status: "sent", sentAt: 5 });
      await message("rel");
      const claims = await Promise.all(
        [...ids, "sent", "rel", "nope"].map((id, i) =>
          claiming.claimMessage(id, 1000 + i, 60_000, { uncapped: true }),
        ),
      );
      for (const [i, id] of ids.entries()) {
        expect(claims[i]).toMatchObject({
          outcome: "claimed",
          message: { id, status: "sending", attempts: 1, leaseUntil: 61_000 + i },
        });
        expect(await outbox.getMessage(id)).toMatchObject({ status: "sending", leaseUntil: 61_000 + i });
      }
      // Not claimable outside the cap: the full claim answers for each.
      expect(claims.slice(20).map((c) => c.outcome)).toEqual(["done", "claimed", "missing"]);
      if (db.dialect === "postgres") {
        // The context comes with each claim, as from deliveryContext.
        const first = claims[0];
        expect(first?.outcome === "claimed" && first.context?.customer.email).toBe("ada@example.com");
        expect(counted.calls()).toBeGreaterThan(0);
        expect(counted.calls()).toBeLessThan(5);
      } else expect(counted.calls()).toBe(0);
    },
  );

  it.skipIf(skip)("marks failures once and brings them back with rapport retry", async () => {
    await message("m1");
    await message("m2", { status: "sent", sentAt: 5 });
    await db.tx(async (t) => {
      await t.run(insertEvent, { id: "e1", status: "received" });
      await t.run(insertRun, { id: "r1", customerId: "c1", state: RUNNING, status: "waiting" });
      await t.run(insertRun, { id: "r2", customerId: "c1", state: RUNNING, status: "completed" });
      await t.run(insertInbound, { id: "in1", receivedAt: 10, raw: Buffer.from("x") });
    });
    expect(await failures.deferMessage("m1", 5000, "later", 100)).toBe(true);
    expect(await outbox.getMessage("m1")).toMatchObject({
      status: "queued",
      notBefore: 5000,
      error: "later",
    });
    expect(await failures.deferMessage("m2", 5000, "later", 100)).toBe(false);

    expect(await failures.failRun("r1", "used up", 100)).toBe(true);
    expect(await failures.failRun("r1", "used up", 100)).toBe(false);
    // A step that loaded r1 before it failed (at seq 0) finds it moved on and writes nothing.
    const late = await runStore(db, () => "unused").applyAdvance({
      runId: "r1",
      expectedSeq: 0,
      state: JSON.parse(RUNNING),
      steps: [{ stepId: "w", stepType: "wait", at: 150, detail: null }],
      messages: [],
      now: 150,
    });
    expect(late).toMatchObject({ applied: false, run: { status: "failed", seq: 1, error: "used up" } });
    expect(await failures.failRun("r2", "used up", 100)).toBe(false);
    expect(await failures.failRun("nope", "used up", 100)).toBe(false);

    expect(await failures.failEvent("e1", "used up", 100)).toBe(true);
    expect(await failures.failEvent("e1", "used up", 100)).toBe(false);

    // Failed by its job without a customer first, then attributed: still marked.
    expect(await failures.failInbound("in1", "too large", null, 100)).toBe(true);
    expect(await failures.failInbound("in1", "not understood", "c1", 110)).toBe(true);
    expect(await failures.failInbound("in1", "again", "c1", 120)).toBe(false);
    expect(await db.read((t) => failedInboundOf(t, "c1"))).toEqual([
      { id: "in1", receivedAt: 10, envelopeFrom: "ada@example.com", error: "not understood" },
    ]);

    await outbox.failMessage("m1", "gave up", 200);
    expect(await failures.listFailed("messages", 10)).toEqual(["m1"]);
    expect(await failures.listFailed("events", 10)).toEqual(["e1"]);
    expect(await failures.listFailed("inbound", 10)).toEqual(["in1"]);

    expect(await failures.resetFailed("messages", ["m1", "m2"], 300)).toEqual(["m1"]);
    expect(await outbox.getMessage("m1")).toMatchObject({
      status: "queued",
      notBefore: null,
      retriedAt: 300,
    });
    expect(await outbox.getMessage("m2")).toMatchObject({ status: "sent" });
    expect(await failures.resetFailed("events", ["e1"], 300)).toEqual(["e1"]);
    expect(await failures.resetFailed("inbound", ["in1"], 300)).toEqual(["in1"]);
    expect(await db.read((t) => failedInboundOf(t, "c1"))).toEqual([]);
    expect(await failures.resetFailed("messages", [], 300)).toEqual([]);
  });
});
