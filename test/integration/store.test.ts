import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventBody } from "../../src/events/event-body.js";
import { composeStore } from "../../src/store/compose.js";
import type { Store } from "../../src/store/store.js";
import { storeBackends } from "../support/store-backends.js";

const reg = (over: Partial<EventBody> = {}): EventBody => ({
  type: "registration",
  customer: { email: "Ada@Example.com", name: "Ada Lovelace", birthday: "1815-12-10" },
  product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: "RD-1" },
  ...over,
});

const waiting = {
  cursor: [1],
  status: "waiting" as const,
  wakeAt: 5000,
  waitingFor: "time" as const,
  waitingSince: 0,
  replies: [],
};

describe.each(storeBackends)("store ($name)", ({ openDatabase, skip }) => {
  let store: Store;
  let dispose: (() => Promise<void>) | null = null;
  let n = 0;
  beforeEach(async (ctx) => {
    if (skip) return ctx.skip(skip);
    const opened = await openDatabase();
    dispose = opened.dispose;
    store = composeStore(opened.database, { newId: () => `id${++n}` });
  });
  afterEach(async () => {
    await dispose?.();
    dispose = null;
  });

  it("stores an event once per id", async () => {
    const a = await store.recordEvent(reg({ id: "e1" }), 1000);
    const b = await store.recordEvent(reg({ id: "e1", type: "purchase" }), 2000);
    expect(a).toMatchObject({ eventId: "e1", duplicate: false });
    expect(b).toMatchObject({ eventId: "e1", duplicate: true });
    expect((await store.getEvent("e1"))?.type).toBe("registration");
  });

  it("generates an id when the sender gives none", async () => {
    const a = await store.recordEvent(reg(), 1000);
    const b = await store.recordEvent(reg(), 1000);
    expect(a.eventId).not.toBe(b.eventId);
    expect(b.duplicate).toBe(false);
  });

  it("merges customer data across events and ends ownership on disposition", async () => {
    const first = await store.recordEvent(reg({ id: "e1" }), 1000);
    const one = await store.ingestEvent(first.event, 1000);
    expect(one.customer.email).toBe("ada@example.com");
    expect(one.ownership).toMatchObject({ kind: "registration", status: "active", serial: "RD-1" });

    const later = await store.recordEvent(
      reg({ id: "e2", type: "purchase", customer: { email: "ada@example.com", attributes: { vip: true } } }),
      2000,
    );
    const two = await store.ingestEvent(later.event, 2000);
    expect(two.customer).toMatchObject({
      name: "Ada Lovelace",
      birthday: "1815-12-10",
      attributes: { vip: true },
    });
    expect(two.ownership?.id).toBe(one.ownership?.id);

    const sold = await store.recordEvent(reg({ id: "e3", type: "disposition" }), 3000);
    const three = await store.ingestEvent(sold.event, 3000);
    expect(three.ownership).toMatchObject({ status: "disposed", id: one.ownership?.id });
  });

  it("creates a run once per entry key and returns unstarted runs on retry", async () => {
    const e = await store.recordEvent(reg({ id: "e1" }), 1000);
    const { customer } = await store.ingestEvent(e.event, 1000);
    const run = {
      flowId: "f",
      flowVersion: "v1",
      entryKey: "f|x",
      ownershipId: null,
      state: {
        cursor: [0],
        status: "active" as const,
        wakeAt: null,
        waitingFor: null,
        waitingSince: null,
        replies: [],
      },
    };
    const a = await store.startRuns("e1", customer.id, [run], 1000);
    const b = await store.startRuns("e1", customer.id, [run], 1001);
    expect(a).toHaveLength(1);
    expect(b.map((r) => r.id)).toEqual(a.map((r) => r.id));
    expect((await store.getEvent("e1"))?.status).toBe("processed");
    // Once advanced, a retry no longer hands the run back.
    await store.applyAdvance({
      runId: a[0]?.id as string,
      expectedSeq: 0,
      state: waiting,
      steps: [],
      messages: [],
      now: 1100,
    });
    expect(await store.startRuns("e1", customer.id, [run], 1200)).toEqual([]);
  });

  it("starts a windowed run only when the customer's last run of the flow is older than the window", async () => {
    const run = (entryKey: string, notIfStartedAfter: number) => ({
      flowId: "nudge",
      flowVersion: "v1",
      entryKey,
      ownershipId: null,
      state: waiting,
      notIfStartedAfter,
    });
    const start = async (id: string, at: number) => {
      const e = await store.recordEvent(reg({ id }), at);
      const { customer } = await store.ingestEvent(e.event, at);
      return store.startRuns(id, customer.id, [run(`nudge|window|${id}`, at - 30_000)], at);
    };
    expect(await start("w1", 100_000)).toHaveLength(1);
    expect(await start("w2", 110_000)).toHaveLength(0); // 10 s later: inside the 30 s window
    expect(await start("w3", 130_000)).toHaveLength(1); // 30 s after the first: allowed again
  });

  it("a broadcast skips an owner whose last run of a windowed flow is too recent", async () => {
    const e = await store.recordEvent(reg({ id: "bw1" }), 1000);
    const { customer } = await store.ingestEvent(e.event, 1000);
    await store.startRuns(
      "bw1",
      customer.id,
      [{ flowId: "news", flowVersion: "v1", entryKey: "news|window|old", ownershipId: null, state: waiting }],
      1000,
    );
    const { broadcast } = await store.createBroadcast(
      { flowId: "news", eventType: "product_news", audience: { category: "turntable" }, properties: {} },
      2000,
    );
    const run = (entryKey: string, notIfStartedAfter: number) => ({
      flowId: "news",
      flowVersion: "v1",
      customerId: customer.id,
      ownershipId: null,
      entryKey,
      state: waiting,
      notIfStartedAfter,
    });
    const out = await store.writeBroadcastPage({
      broadcastId: broadcast.id,
      expectedPages: 0,
      next: null,
      runs: [run("news|window|a", 500), run("news|window|b", 1500)],
      skipped: 0,
      done: true,
      now: 2000,
    });
    // The run at 1000 is inside a window that starts at 500 (a: skipped) and older than one
    // that starts at 1500 (b: started).
    expect(out.applied && out.created.map((r) => r.entryKey)).toEqual(["news|window|b"]);
    expect(out.broadcast).toMatchObject({ started: 1, skipped: 1 });
  });

  it("applies tag, untag and set to the customer in the step's transaction, and only once", async () => {
    const e = await store.recordEvent(
      reg({ id: "t1", customer: { email: "ada@example.com", attributes: { tier: "silver", vip: true } } }),
      1000,
    );
    const { customer } = await store.ingestEvent(e.event, 1000);
    const [run] = await store.startRuns(
      "t1",
      customer.id,
      [{ flowId: "f", flowVersion: "v1", entryKey: "f|t", ownershipId: null, state: waiting }],
      1000,
    );
    const advance = (
      expectedSeq: number,
      changes: { addTags: string[]; removeTags: string[]; attributes: Record<string, string> },
    ) =>
      store.applyAdvance({
        runId: run?.id as string,
        expectedSeq,
        state: waiting,
        steps: [],
        messages: [],
        customer: changes,
        now: 2000,
      });
    await advance(0, { addTags: ["reviewed", "early"], removeTags: [], attributes: { tier: "gold" } });
    await advance(1, { addTags: [], removeTags: ["early"], attributes: {} });
    // A stale retry of the first step changes nothing.
    expect(
      (await advance(0, { addTags: ["stale"], removeTags: [], attributes: { tier: "bronze" } })).applied,
    ).toBe(false);
    const tl = await store.timeline("ada@example.com");
    expect(tl?.customer.tags).toEqual(["reviewed"]);
    expect(tl?.customer.attributes).toEqual({ tier: "gold", vip: true });
  });

  it("ingests an event and starts the runs chosen from it in one transaction", async () => {
    const e = await store.recordEvent(reg({ id: "e2" }), 1000);
    const runFor = (ownershipId: string | null) => ({
      flowId: "f",
      flowVersion: "v1",
      entryKey: `f|${ownershipId}`,
      ownershipId,
      state: {
        cursor: [0],
        status: "active" as const,
        wakeAt: null,
        waitingFor: null,
        waitingSince: null,
        replies: [],
      },
    });
    const first = await store.ingestAndStartRuns(e.event, 1000, (ingested) => [
      runFor(ingested.ownership?.id ?? null),
    ]);
    expect(first.ingested.customer.email).toBe("ada@example.com");
    expect(first.ingested.ownership?.serial).toBe("RD-1");
    expect(first.runs).toHaveLength(1);
    expect(first.runs[0]?.ownershipId).toBe(first.ingested.ownership?.id);
    expect((await store.getEvent("e2"))?.status).toBe("processed");
    // A retry finds the same rows and hands back the same unstarted run.
    const again = await store.ingestAndStartRuns(e.event, 1001, (ingested) => [
      runFor(ingested.ownership?.id ?? null),
    ]);
    expect(again.ingested.customer.id).toBe(first.ingested.customer.id);
    expect(again.runs.map((r) => r.id)).toEqual(first.runs.map((r) => r.id));
    // A failure while choosing leaves nothing behind.
    const f = await store.recordEvent(reg({ id: "e3", customer: { email: "grace@example.com" } }), 1000);
    await expect(
      store.ingestAndStartRuns(f.event, 1000, () => {
        throw new Error("no flows");
      }),
    ).rejects.toThrow("no flows");
    expect(await store.findCustomerByEmail("grace@example.com")).toBeNull();
    expect((await store.getEvent("e3"))?.status).toBe("received");
  });

  it("applies a step only at the expected seq, with its outbox rows", async () => {
    const e = await store.recordEvent(reg({ id: "e1" }), 1000);
    const { customer } = await store.ingestEvent(e.event, 1000);
    const [run] = await store.startRuns(
      "e1",
      customer.id,
      [
        {
          flowId: "f",
          flowVersion: "v1",
          entryKey: "k",
          ownershipId: null,
          state: {
            cursor: [0],
            status: "active",
            wakeAt: null,
            waitingFor: null,
            waitingSince: null,
            replies: [],
          },
        },
      ],
      1000,
    );
    const advance = {
      runId: run?.id as string,
      expectedSeq: 0,
      state: waiting,
      steps: [{ stepId: "thanks", stepType: "send", at: 1000, detail: null }],
      messages: [{ id: "m1", stepId: "thanks", template: "thank-you", messageIdHeader: "<m1@x.example>" }],
      now: 1000,
    };
    const first = await store.applyAdvance(advance);
    const again = await store.applyAdvance({
      ...advance,
      messages: [{ ...advance.messages[0], id: "m2", messageIdHeader: "<m2@x.example>" } as never],
    });
    expect(first.applied).toBe(true);
    expect(first.applied && first.messages.map((m) => [m.id, m.toAddress, m.status])).toEqual([
      ["m1", "ada@example.com", "queued"],
    ]);
    expect(again.applied).toBe(false);
    const tl = await store.timeline("ada@example.com");
    expect(tl?.messages).toHaveLength(1);
    expect(tl?.runs[0]).toMatchObject({ seq: 1, status: "waiting", wakeAt: 5000 });
    expect(tl?.runs[0]?.steps).toEqual([
      { runId: run?.id, seq: 1, stepId: "thanks", stepType: "send", at: 1000, detail: null },
    ]);
    // A due run shows up for the sweeper only once its wake-up has passed.
    expect(await store.listDueRuns(4999, 2000, 10)).toEqual([]);
    expect((await store.listDueRuns(5000, 2000, 10)).map((r) => r.id)).toEqual([run?.id]);
  });

  it("claims a message once, respects a live lease, and takes over an expired one", async () => {
    const e = await store.recordEvent(reg({ id: "e1" }), 1000);
    const { customer } = await store.ingestEvent(e.event, 1000);
    const [run] = await store.startRuns(
      "e1",
      customer.id,
      [
        {
          flowId: "f",
          flowVersion: "v1",
          entryKey: "k",
          ownershipId: null,
          state: {
            cursor: [0],
            status: "active",
            wakeAt: null,
            waitingFor: null,
            waitingSince: null,
            replies: [],
          },
        },
      ],
      1000,
    );
    await store.applyAdvance({
      runId: run?.id as string,
      expectedSeq: 0,
      state: {
        cursor: [1],
        status: "completed",
        wakeAt: null,
        waitingFor: null,
        waitingSince: null,
        replies: [],
      },
      steps: [],
      messages: [{ id: "m1", stepId: "s", template: "t", messageIdHeader: "<m1@x>" }],
      now: 1000,
    });
    expect((await store.claimMessage("m1", 2000, 100)).outcome).toBe("claimed");
    expect((await store.claimMessage("m1", 2050, 100)).outcome).toBe("busy");
    const taken = await store.claimMessage("m1", 2200, 100); // the first attempt died
    // Taking over a lapsed claim: the first attempt may have reached the server.
    expect(taken).toMatchObject({ outcome: "claimed", message: { attempts: 2, uncertainAttempts: 1 } });
    expect(await store.listStrandedMessages(2250, 0, 10)).toEqual([]);
    expect(await store.listStrandedMessages(2301, 0, 10)).toEqual(["m1"]);
    await store.markSent("m1", { subject: "Hi", smtpResponse: "250 OK", now: 2300 });
    expect((await store.claimMessage("m1", 9000, 100)).outcome).toBe("done");
    expect((await store.claimMessage("nope", 9000, 100)).outcome).toBe("missing");
    const ctx = await store.deliveryContext("m1");
    expect(ctx?.customer.email).toBe("ada@example.com");
    expect(ctx?.event?.id).toBe("e1");
  });

  it("suppresses a customer who unsubscribed once, and never weakens a stronger suppression", async () => {
    const recorded = await store.recordEvent(reg({ id: "e1" }), 1000);
    const { customer } = await store.ingestEvent(recorded.event, 1000);
    expect(await store.suppressCustomer(customer.id, "unsubscribe", 2000)).toEqual({
      outcome: "suppressed",
      email: "ada@example.com",
      suppression: { email: "ada@example.com", reason: "unsubscribe", interactionId: null, createdAt: 2000 },
    });
    expect(await store.suppressCustomer(customer.id, "unsubscribe", 3000)).toMatchObject({
      outcome: "already",
      suppression: { reason: "unsubscribe", createdAt: 2000 },
    });
    expect(await store.getSuppression("Ada@Example.com")).toMatchObject({
      reason: "unsubscribe",
      createdAt: 2000,
    });
    expect(await store.suppressCustomer("nobody", "unsubscribe", 3000)).toEqual({ outcome: "no-customer" });

    // A hard bounce recorded first stays a hard bounce.
    const bob = await store.ingestEvent(
      (await store.recordEvent(reg({ id: "e2", customer: { email: "bob@example.com" } }), 1000)).event,
      1000,
    );
    const inbound = await store.recordInbound(
      { source: "smtp", envelopeFrom: null, envelopeTo: [], raw: Buffer.from("x") },
      1000,
    );
    await store.recordInteraction(
      inbound.id,
      {
        kind: "bounce",
        messageIdHeader: "<b1@x>",
        customerId: bob.customer.id,
        ownershipId: null,
        messageId: null,
        runId: null,
        attributedBy: null,
        toOwnerAddress: false,
        fromAddress: null,
        subject: null,
        text: null,
        detail: {},
        occurredAt: 1000,
      },
      { email: "bob@example.com", reason: "hard_bounce" },
      1000,
    );
    expect(await store.suppressCustomer(bob.customer.id, "unsubscribe", 4000)).toMatchObject({
      outcome: "already",
      suppression: { reason: "hard_bounce", createdAt: 1000 },
    });
  });
});
