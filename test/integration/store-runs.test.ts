/**
 * Customers, runs and flow versions on both backends: merging upserts, runs once per
 * entry key, steps once per seq, tags under concurrent steps, at_most_once_in, and many
 * events for one new customer at once (the database, not a single writer, keeps them apart).
 */
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventBody } from "../../src/events/event-body.js";
import { parseFlow } from "../../src/flows/parse.js";
import type { Flow, RunState } from "../../src/flows/types.js";
import { customerStore, ingestWithin } from "../../src/store/customers.js";
import { eventStore } from "../../src/store/events.js";
import { flowVersionStore } from "../../src/store/flow-versions.js";
import { outboxStore } from "../../src/store/messages.js";
import { insertRunsIfNew } from "../../src/store/run-inserts.js";
import { runStore } from "../../src/store/runs.js";
import { customers, flowRuns, messages, ownerships, products, runSteps } from "../../src/store/schema.js";
import type { Database } from "../../src/store/sql/handle.js";
import { adhoc } from "../../src/store/sql/query.js";
import type { EventRow, IngestedEvent, NewRun, RunAdvance } from "../../src/store/store.js";
import { countingDatabase } from "../support/counting-database.js";
import { type OpenedTestDatabase, storeBackends } from "../support/store-backends.js";

const reg = (over: Partial<EventBody> = {}): EventBody => ({
  type: "registration",
  customer: { email: "Ada@Example.com", name: "Ada Lovelace", birthday: "1815-12-10" },
  product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: "RD-1" },
  ...over,
});

const active: RunState = {
  cursor: [0],
  status: "active",
  wakeAt: null,
  waitingFor: null,
  waitingSince: null,
  replies: [],
};
const waiting = (wakeAt: number): RunState => ({
  cursor: [1],
  status: "waiting",
  wakeAt,
  waitingFor: "time",
  waitingSince: 0,
  replies: [],
});

const newRun = (entryKey: string, over: Partial<NewRun> = {}): NewRun => ({
  flowId: "f",
  flowVersion: "v1",
  entryKey,
  ownershipId: null,
  state: active,
  ...over,
});

/** A real flow (the record validates what it reads back) under a chosen version. */
const flow = (id: string, version: string): Flow => {
  const parsed = parseFlow(
    `name: ${id}\ntrigger: { event: registration }\nsteps: [ { send: thank-you } ]\n`,
    `${id}.yaml`,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return { ...parsed.flow, version };
};

async function count(db: Database, table: typeof customers | typeof flowRuns | typeof messages) {
  const row = await db.read((t) => t.get(adhoc<{ n: number }>(sql`select count(*) as n from ${table}`)));
  return Number(row?.n);
}

/** A run's history rows (run_steps) in the order written. */
async function historyOf(db: Database, runId: string) {
  const rows = await db.read((t) =>
    t.all(
      adhoc<{ seq: number; stepId: string; stepType: string; at: number; detail: string | null }>(
        sql`select seq, step_id as "stepId", step_type as "stepType", at, detail from ${runSteps}
        where run_id = ${runId} order by id`,
      ),
    ),
  );
  return rows.map((r) => ({ ...r, seq: Number(r.seq), at: Number(r.at) }));
}

describe.each(storeBackends)("customers, runs and flow versions ($name)", ({ name, skip, openDatabase }) => {
  let opened: OpenedTestDatabase;
  let db: Database;
  let n = 0;
  // Every id shares the 13-character prefix of a short owner line (src/mail/tokens.ts).
  const newId = () => `abcdef12-3456-${String(++n).padStart(4, "0")}-8000-000000000000`;
  let store: ReturnType<typeof eventStore> &
    ReturnType<typeof customerStore> &
    ReturnType<typeof runStore> &
    ReturnType<typeof flowVersionStore> &
    Pick<ReturnType<typeof outboxStore>, "getMessage">;

  beforeEach(async () => {
    if (skip) return;
    opened = await openDatabase();
    db = opened.database;
    store = {
      ...eventStore(db, newId),
      ...customerStore(db, newId),
      ...runStore(db, newId),
      ...flowVersionStore(db),
      getMessage: outboxStore(db, newId).getMessage,
    };
  });
  afterEach(async () => {
    if (!skip) await opened.dispose();
  });

  const record = async (body: EventBody, at = 1000): Promise<EventRow> =>
    (await store.recordEvent(body, at)).event;

  it.skipIf(skip)("merges customer, product and ownership across events", async () => {
    const one = await store.ingestEvent(await record(reg({ id: "e1" })), 1000);
    expect(one.customer).toMatchObject({ email: "ada@example.com", tags: [], attributes: {} });
    expect(one.ownership).toMatchObject({ kind: "registration", status: "active", serial: "RD-1" });

    const purchase = reg({
      id: "e2",
      type: "purchase",
      customer: { email: "ada@example.com", attributes: { vip: true } },
      product: { sku: "LYRA-RD-2780", category: "turntable", serial: "RD-1" },
    });
    const two = await store.ingestEvent(await record(purchase), 2000);
    expect(two.customer).toMatchObject({
      id: one.customer.id,
      name: "Ada Lovelace",
      birthday: "1815-12-10",
      attributes: { vip: true },
      createdAt: 1000,
      updatedAt: 2000,
    });
    expect(two.product).toMatchObject({ id: one.product?.id, name: "Lyra RD 2780", category: "turntable" });
    // A purchase of the item registered before stays one ownership, of its first kind.
    expect(two.ownership).toMatchObject({ id: one.ownership?.id, kind: "registration" });

    const more = reg({ id: "e3", customer: { email: "ada@example.com", attributes: { tier: "gold" } } });
    expect((await store.ingestEvent(await record(more), 3000)).customer.attributes).toEqual({
      vip: true,
      tier: "gold",
    });
    expect((await store.findCustomerByEmail("ADA@example.com"))?.attributes).toEqual({
      vip: true,
      tier: "gold",
    });

    const sold = await store.ingestEvent(await record(reg({ id: "e4", type: "disposition" })), 4000);
    expect(sold.ownership).toMatchObject({ id: one.ownership?.id, status: "disposed", endedAt: 1000 });
    // Another kind of event leaves the ownership as it is; a re-registration revives it.
    const other = await store.ingestEvent(await record(reg({ id: "e5", type: "review" })), 5000);
    expect(other.ownership).toMatchObject({ status: "disposed" });
    const back = await store.ingestEvent(await record(reg({ id: "e6" })), 6000);
    expect(back.ownership).toMatchObject({ id: one.ownership?.id, status: "active", endedAt: null });
    // No serial: its own ownership ('' in the key), read back as null.
    const plain = await store.ingestEvent(
      await record(reg({ id: "e7", product: { sku: "LYRA-RD-2780" } })),
      7000,
    );
    expect(plain.ownership).toMatchObject({ serial: null });
    expect(plain.ownership?.id).not.toBe(one.ownership?.id);

    expect(await store.getCustomer(one.customer.id)).toMatchObject({ email: "ada@example.com" });
    expect(await store.getSuppression("ada@example.com")).toBeNull();
  });

  it.skipIf(skip)("writes a product only when an event brings something new about it", async () => {
    const updatedAt = async () =>
      Number(
        (await db.read((t) => t.get(adhoc<{ at: number }>(sql`select updated_at as at from ${products}`))))
          ?.at,
      );
    const first = await store.ingestEvent(await record(reg({ id: "e1" })), 1000);
    expect(first.product).toMatchObject({ name: "Lyra RD 2780", category: null });
    // The same facts, or fewer, leave the row as it was.
    const again = reg({ id: "e2", customer: { email: "grace@example.com" } });
    expect((await store.ingestEvent(await record(again), 2000)).product).toEqual(first.product);
    const fewer = reg({ id: "e3", product: { sku: "LYRA-RD-2780", serial: "RD-3" } });
    expect((await store.ingestEvent(await record(fewer), 3000)).product).toEqual(first.product);
    expect(await updatedAt()).toBe(1000);
    // Something new is written, and kept for the next event.
    const more = reg({ id: "e4", product: { sku: "LYRA-RD-2780", category: "turntable" } });
    const updated = { ...first.product, category: "turntable" };
    expect((await store.ingestEvent(await record(more), 4000)).product).toEqual(updated);
    expect((await store.ingestEvent(await record(reg({ id: "e5" })), 5000)).product).toEqual(updated);
    expect(await updatedAt()).toBe(4000);
  });

  // SQLite lets one writer in at a time by design (BEGIN IMMEDIATE); Postgres must not make
  // a product's registrations take turns.
  it.skipIf(skip || name === "SQLite")(
    "ingests two registrations of one product at once, neither waiting for the other's commit",
    async () => {
      await store.ingestEvent(await record(reg({ id: "e0" })), 500);
      const a = await record(reg({ id: "e1", customer: { email: "grace@example.com" } }));
      const b = await record(reg({ id: "e2", customer: { email: "alan@example.com" } }));
      let release = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      let ingested = () => {};
      const aIngested = new Promise<void>((r) => {
        ingested = r;
      });
      // A's transaction stays open, after its ingest, until B has finished.
      const open = db.tx(async (t) => {
        await ingestWithin(t, a, 1000, newId);
        ingested();
        await held;
      });
      await aIngested;
      const waitedTooLong = new Promise<string>((r) => setTimeout(() => r("B waited for A"), 10_000));
      const bDone = store.ingestEvent(b, 1000).then(() => "B done");
      try {
        expect(await Promise.race([bDone, waitedTooLong])).toBe("B done");
      } finally {
        release();
        await open;
      }
      expect(await count(db, customers)).toBe(3);
    },
  );

  it.skipIf(skip)("finds an ownership by id, or by its prefix unless two share it", async () => {
    const { ownership } = await store.ingestEvent(await record(reg({ id: "e1" })), 1000);
    const id = ownership?.id as string;
    expect((await store.getOwnership(id))?.product.sku).toBe("LYRA-RD-2780");
    expect((await store.getOwnership(id.slice(0, 13)))?.id).toBe(id);
    expect(await store.getOwnership("ffffffff-ffff")).toBeNull();
    await store.ingestEvent(
      await record(reg({ id: "e2", product: { sku: "LYRA-RD-2780", serial: "RD-2" } })),
      2000,
    );
    expect(await store.getOwnership(id.slice(0, 13))).toBeNull();
    expect((await store.getOwnership(id))?.id).toBe(id);
  });

  it.skipIf(skip)("starts a run once per entry key and hands back unstarted runs on retry", async () => {
    const e = await record(reg({ id: "e1" }));
    const { customer } = await store.ingestEvent(e, 1000);
    const a = await store.startRuns("e1", customer.id, [newRun("f|x")], 1000);
    const b = await store.startRuns("e1", customer.id, [newRun("f|x")], 1001);
    expect(a).toHaveLength(1);
    expect(b.map((r) => r.id)).toEqual(a.map((r) => r.id));
    expect(await store.getEvent("e1")).toMatchObject({ status: "processed", customerId: customer.id });
    await store.applyAdvance({
      runId: a[0]?.id as string,
      expectedSeq: 0,
      state: waiting(5000),
      steps: [],
      messages: [],
      now: 1100,
    });
    expect(await store.startRuns("e1", customer.id, [newRun("f|x")], 1200)).toEqual([]);
    expect(await count(db, flowRuns)).toBe(1);

    // ingestAndStartRuns: a retry finds the same rows; a failure while choosing leaves nothing.
    const f = await record(reg({ id: "e2" }));
    const runsFor = (i: IngestedEvent) => [
      newRun(`g|${i.ownership?.id}`, { ownershipId: i.ownership?.id ?? null }),
    ];
    const first = await store.ingestAndStartRuns(f, 2000, runsFor);
    const again = await store.ingestAndStartRuns(f, 2001, runsFor);
    expect(first.runs).toHaveLength(1);
    expect(again.runs.map((r) => r.id)).toEqual(first.runs.map((r) => r.id));
    const g = await record(reg({ id: "e3", customer: { email: "grace@example.com" } }));
    await expect(
      store.ingestAndStartRuns(g, 3000, () => {
        throw new Error("no flows");
      }),
    ).rejects.toThrow("no flows");
    expect(await store.findCustomerByEmail("grace@example.com")).toBeNull();
    expect((await store.getEvent("e3"))?.status).toBe("received");
  });

  it.skipIf(skip)(
    "hands back the runs it inserted as stored, and an earlier attempt's on a replay",
    async () => {
      // Its first processing: the runs come from the inserts themselves, as a read would give them.
      const e = await record(reg({ id: "e1" }));
      const taken = await record(reg({ id: "e0", customer: { email: "grace@example.com" } }));
      const other = await store.ingestAndStartRuns(taken, 900, () => [newRun("once|shared")]);
      const runsFor = () => [newRun("f|e1", { state: waiting(9000) }), newRun("once|shared")];
      const first = await store.ingestAndStartRuns(e, 1000, runsFor);
      expect(first.runs).toHaveLength(1);
      const [mine] = first.runs;
      expect(mine).toEqual(await store.getRun(mine?.id as string));
      expect(mine).toMatchObject({ entryKey: "f|e1", eventId: "e1", seq: 0, state: waiting(9000) });
      expect(other.runs.map((r) => r.entryKey)).toEqual(["once|shared"]);

      // Failed after its runs were written (its jobs ran out), then replayed with no flow left
      // for it: the run the first attempt left is still handed back, and the event is processed.
      await store.markEventFailed("e1", "steps failed", 1500);
      const replay = await store.ingestAndStartRuns(e, 2000, () => []);
      expect(replay.runs.map((r) => r.id)).toEqual([mine?.id]);
      expect(await store.getEvent("e1")).toMatchObject({ status: "processed", error: null });
    },
  );

  it.skipIf(skip)(
    "starts many runs at once (Postgres: one insert for those without an entry window), in order",
    async () => {
      const e = await record(reg({ id: "e1" }));
      const { customer } = await store.ingestEvent(e, 1000);
      await store.startRuns("e1", customer.id, [newRun("taken")], 1000);
      const asked = [
        newRun("a", { state: waiting(7000) }),
        newRun("w", { flowId: "windowed", notIfStartedAfter: 500 }),
        newRun("taken"),
        newRun("b", { ownershipId: null }),
        // The same entry key twice in one start: the first is inserted, the second is not.
        newRun("a", { flowId: "other" }),
        newRun("closed", { flowId: "f", notIfStartedAfter: 500 }),
      ];
      const started = await db.tx((t) =>
        insertRunsIfNew(
          t,
          asked.map((run) => ({ run, ids: { id: newId(), customerId: customer.id, eventId: "e1" } })),
          2000,
        ),
      );
      // Not "closed": flow f started "taken" at 1000, after its window's 500.
      expect(started.map((r) => [r.entryKey, r.flowId])).toEqual([
        ["a", "f"],
        ["w", "windowed"],
        ["b", "f"],
      ]);
      for (const run of started) expect(await store.getRun(run.id)).toEqual(run);
      expect(started[0]).toMatchObject({ seq: 0, status: "waiting", wakeAt: 7000, createdAt: 2000 });
      expect(await count(db, flowRuns)).toBe(4);
    },
  );

  it.skipIf(skip)("writes a new run's first step in the ingest transaction when one is given", async () => {
    const e = await record(reg({ id: "e1" }));
    const runsFor = (i: IngestedEvent) => [
      newRun("first", { ownershipId: i.ownership?.id ?? null }),
      newRun("later", { ownershipId: i.ownership?.id ?? null }),
    ];
    const seen: string[] = [];
    const started = await store.ingestAndStartRuns(e, 1000, runsFor, (run, ingested) => {
      seen.push(`${run.entryKey}:${run.seq}:${ingested.customer.email}`);
      if (run.entryKey !== "first") return null;
      return {
        runId: run.id,
        expectedSeq: run.seq,
        state: waiting(5000),
        steps: [{ stepId: "thanks", stepType: "send", at: 1000, detail: null }],
        messages: [{ id: "m1", stepId: "thanks", template: "thank-you", messageIdHeader: "<m1@x>" }],
        now: 1000,
      };
    });
    expect(seen).toEqual(["first:0:ada@example.com", "later:0:ada@example.com"]);
    // The advanced run is in `advanced`, with its message; the other is left to take its step later.
    expect(started.runs.map((r) => r.entryKey)).toEqual(["later"]);
    expect(started.advanced.map((a) => [a.run.entryKey, a.run.seq, a.run.wakeAt])).toEqual([
      ["first", 1, 5000],
    ]);
    expect(started.advanced[0]?.messages.map((m) => [m.id, m.toAddress, m.status])).toEqual([
      ["m1", "ada@example.com", "queued"],
    ]);
    // A retry of the event finds only the run never advanced.
    expect(
      (await store.startRuns("e1", started.ingested.customer.id, [], 1001)).map((r) => r.entryKey),
    ).toEqual(["later"]);

    // A failing write of the step takes the whole ingest back, as a failure choosing the runs does.
    const g = await record(reg({ id: "e2", customer: { email: "grace@example.com" } }));
    await expect(
      store.ingestAndStartRuns(
        g,
        2000,
        () => [newRun("grace")],
        (run) => ({
          runId: run.id,
          expectedSeq: run.seq,
          state: waiting(5000),
          steps: [],
          // The same message id as above: the insert fails on its primary key.
          messages: [{ id: "m1", stepId: "thanks", template: "thank-you", messageIdHeader: "<m1@x>" }],
          now: 2000,
        }),
      ),
    ).rejects.toThrow();
    expect(await store.findCustomerByEmail("grace@example.com")).toBeNull();
    expect((await store.getEvent("e2"))?.status).toBe("received");
    expect(await count(db, flowRuns)).toBe(2);
  });

  it.skipIf(skip)(
    "addresses each message as the customer is now, and writes the step rows in order",
    async () => {
      const withPhone = await record(
        reg({ id: "e1", customer: { email: "Ada@Example.com", phone: "+4915112345678" } }),
      );
      const noPhone = await record(reg({ id: "e2", customer: { email: "grace@example.com" } }));
      const advanceOf = (run: { id: string }, id: string) => ({
        runId: run.id,
        expectedSeq: 0,
        state: waiting(5000),
        steps: ["a", "b", "c"].map((stepId, i) => ({
          stepId,
          stepType: "send",
          at: 1000 + i,
          detail: `#${i}`,
        })),
        messages: [
          { id: `${id}-mail`, stepId: "a", template: "t", messageIdHeader: `<${id}-mail@x>` },
          {
            id: `${id}-sms`,
            stepId: "b",
            template: "t",
            messageIdHeader: `<${id}-sms@x>`,
            channel: "sms" as const,
          },
          {
            id: `${id}-team`,
            stepId: "c",
            template: "t",
            messageIdHeader: `<${id}-team@x>`,
            audience: "team" as const,
            toAddress: "team@x",
          },
        ],
        now: 1000,
      });
      const addresses: string[][] = [];
      for (const [e, id] of [
        [withPhone, "p"],
        [noPhone, "n"],
      ] as const) {
        const { runs } = await store.ingestAndStartRuns(e, 1000, () => [newRun(`k-${id}`)]);
        const outcome = await store.applyAdvance(advanceOf(runs[0] as { id: string }, id));
        addresses.push(outcome.applied ? outcome.messages.map((m) => m.toAddress) : []);
      }
      expect(addresses).toEqual([
        ["ada@example.com", "+4915112345678", "team@x"],
        ["grace@example.com", "", "team@x"],
      ]);
      const steps = await db.read((t) =>
        t.all(
          adhoc<{ stepId: string; detail: string; seq: number }>(sql`
        select step_id as "stepId", detail, seq from run_steps order by id`),
        ),
      );
      expect(steps.map((r) => [r.stepId, r.detail, Number(r.seq)])).toEqual([
        ["a", "#0", 1],
        ["b", "#1", 1],
        ["c", "#2", 1],
        ["a", "#0", 1],
        ["b", "#1", 1],
        ["c", "#2", 1],
      ]);
    },
  );

  // A step with one message is the common case (every thank-you): on Postgres its run,
  // history and message are one statement, whose joined row must give back each as stored.
  it.skipIf(skip).each([
    ["to the customer by email", {}, "ada@example.com"],
    ["to the customer by SMS", { channel: "sms" as const }, "+4915112345678"],
    [
      "to the team, transactional",
      { audience: "team" as const, toAddress: "team@x", transactional: true },
      "team@x",
    ],
    [
      "in a category, on a topic, in reply",
      { category: "news" as const, topic: "care", inReplyTo: "<r@x>" },
      "ada@example.com",
    ],
  ])(
    "a step with one message %s hands back the run and the message as stored",
    async (_what, over, address) => {
      const e = await record(
        reg({ id: "e1", customer: { email: "Ada@Example.com", phone: "+4915112345678" } }),
      );
      const { runs, ingested } = await store.ingestAndStartRuns(e, 1000, (i) => [
        newRun("k", { ownershipId: i.ownership?.id ?? null }),
      ]);
      // The ingest's rows carry no column of the statements they were read with.
      expect(ingested.customer).toEqual(await store.findCustomerByEmail("ada@example.com"));
      const runId = runs[0]?.id as string;
      const advance = {
        runId,
        expectedSeq: 0,
        state: waiting(5000),
        steps: [{ stepId: "s", stepType: "send", at: 1000, detail: null }],
        messages: [{ id: "m1", stepId: "s", template: "t", messageIdHeader: "<m1@x>", ...over }],
        now: 1000,
      };
      const outcome = await store.applyAdvance(advance);
      if (!outcome.applied) throw new Error("not applied");
      expect(outcome.run).toEqual(await store.getRun(runId));
      expect(outcome.messages).toEqual([await store.getMessage("m1")]);
      expect(outcome.messages[0]).toMatchObject({
        toAddress: address,
        runId,
        stepId: "s",
        flowId: "f",
        customerId: ingested.customer.id,
        ownershipId: ingested.ownership?.id,
        eventId: "e1",
        status: "queued",
      });
      expect(await historyOf(db, runId)).toEqual([{ seq: 1, ...advance.steps[0] }]);

      // The step's message queued already (its dedupe key taken): the step still applies, queuing nothing more.
      await db.tx((t) => t.run(adhoc(sql`update ${flowRuns} set seq = 0 where id = ${runId}`)));
      const again = await store.applyAdvance({
        ...advance,
        messages: [{ ...over, stepId: "s", template: "t", id: "m2", messageIdHeader: "<m2@x>" }],
      });
      expect(again).toMatchObject({ applied: true, messages: [] });
      expect(again.run).toEqual(await store.getRun(runId));
      expect(await count(db, messages)).toBe(1);
    },
  );

  it.skipIf(skip)("applies a step only at the expected seq, with its messages", async () => {
    const e = await record(reg({ id: "e1" }));
    const { runs, ingested } = await store.ingestAndStartRuns(e, 1000, (i) => [
      newRun("k", { ownershipId: i.ownership?.id ?? null }),
    ]);
    const runId = runs[0]?.id as string;
    const advance = {
      runId,
      expectedSeq: 0,
      state: waiting(5000),
      steps: [
        { stepId: "thanks", stepType: "send", at: 1000, detail: null },
        { stepId: "tell", stepType: "send", at: 1000, detail: '{"to":"team"}' },
      ],
      messages: [
        { id: "m1", stepId: "thanks", template: "thank-you", messageIdHeader: "<m1@x>", transactional: true },
        {
          id: "m2",
          stepId: "tell",
          template: "note",
          messageIdHeader: "<m2@x>",
          audience: "team" as const,
          toAddress: "team@x",
        },
      ],
      flowVersion: "v2",
      now: 1000,
    };
    const first = await store.applyAdvance(advance);
    expect(first.applied).toBe(true);
    expect(first.run).toMatchObject({ seq: 1, status: "waiting", wakeAt: 5000, flowVersion: "v2" });
    expect(
      first.applied && first.messages.map((m) => [m.id, m.toAddress, m.audience, m.transactional, m.status]),
    ).toEqual([
      ["m1", "ada@example.com", "customer", true, "queued"],
      ["m2", "team@x", "team", false, "queued"],
    ]);
    expect(first.applied && first.messages[0]?.ownershipId).toBe(ingested.ownership?.id);
    // The same step again (a retried job): the run has moved on, nothing is written.
    const again = await store.applyAdvance({
      ...advance,
      messages: [{ id: "m3", stepId: "thanks", template: "thank-you", messageIdHeader: "<m3@x>" }],
    });
    expect(again).toEqual({ applied: false, run: expect.objectContaining({ id: runId, seq: 1 }) });
    expect(await count(db, messages)).toBe(2);
    // Its history rows, in order, written once (on Postgres in the run's own update statement).
    expect(await historyOf(db, runId)).toEqual(advance.steps.map((step) => ({ seq: 1, ...step })));
    expect(await store.applyAdvance({ ...advance, runId: "nope" })).toEqual({ applied: false, run: null });
    // Two steps at once at the same seq: one applies.
    const outcomes = await Promise.all(
      [1, 1].map((expectedSeq) =>
        store.applyAdvance({ runId, expectedSeq, state: waiting(6000), steps: [], messages: [], now: 1100 }),
      ),
    );
    expect(outcomes.filter((o) => o.applied)).toHaveLength(1);
    expect(await store.getRun(runId)).toMatchObject({ seq: 2, wakeAt: 6000 });

    expect(await store.listDueRuns(5999, 2000, 10)).toEqual([]);
    expect((await store.listDueRuns(6000, 2000, 10)).map((r) => r.id)).toEqual([runId]);
    expect((await store.listWaitingRuns(ingested.customer.id)).map((r) => r.id)).toEqual([runId]);
    const ctx = await store.runContext(runId);
    expect(ctx?.event.id).toBe("e1");
    expect(ctx?.ingested).toMatchObject({
      customer: { id: ingested.customer.id },
      ownership: { id: ingested.ownership?.id },
      product: { sku: "LYRA-RD-2780" },
    });
    expect(ctx?.ownerships.map((o) => o.product.sku)).toEqual(["LYRA-RD-2780"]);
  });

  it.skipIf(skip)(
    "writes a step with only history (one statement on Postgres) once, its rows in order",
    async () => {
      const e = await record(reg({ id: "e1" }));
      const { runs } = await store.ingestAndStartRuns(e, 1000, () => [newRun("k")]);
      const runId = runs[0]?.id as string;
      const history = () => historyOf(db, runId);
      const rows = (n: number, at: number) =>
        Array.from({ length: n }, (_, i) => ({
          stepId: `w${i}`,
          stepType: "wait",
          at: at + i,
          detail: i % 2 ? null : `{"i":${i}}`,
        }));
      const advance = {
        runId,
        expectedSeq: 0,
        state: waiting(5000),
        steps: rows(2, 1000),
        messages: [],
        now: 1000,
      };
      const first = await store.applyAdvance({ ...advance, flowVersion: "v2" });
      expect(first).toEqual({ applied: true, run: await store.getRun(runId), messages: [] });
      expect(first.run).toMatchObject({ seq: 1, status: "waiting", wakeAt: 5000, flowVersion: "v2" });
      expect(await history()).toEqual(rows(2, 1000).map((r) => ({ seq: 1, ...r })));
      // Again at seq 0 (a retried job), and for a run that is not there: nothing is written.
      expect(await store.applyAdvance(advance)).toEqual({ applied: false, run: first.run });
      expect(await store.applyAdvance({ ...advance, runId: "nope" })).toEqual({ applied: false, run: null });
      expect(await history()).toHaveLength(2);
      // Two at once at seq 1: one applies, with its rows alone.
      const outcomes = await Promise.all(
        [2000, 3000].map((at) =>
          store.applyAdvance({ ...advance, expectedSeq: 1, steps: rows(1, at), now: at }),
        ),
      );
      expect(outcomes.filter((o) => o.applied)).toHaveLength(1);
      expect((await history()).filter((r) => r.seq === 2)).toHaveLength(1);
      // More rows than a kept statement takes, and the run completed.
      const done = { ...active, cursor: [9], status: "completed" as const };
      const last = await store.applyAdvance({
        ...advance,
        expectedSeq: 2,
        state: done,
        steps: rows(20, 4000),
        now: 4000,
      });
      expect(last.run).toMatchObject({ seq: 3, status: "completed", completedAt: 4000, flowVersion: "v2" });
      expect((await history()).filter((r) => r.seq === 3)).toEqual(
        rows(20, 4000).map((r) => ({ seq: 3, ...r })),
      );
    },
  );

  it.skipIf(skip)("reports steps written together as written, whatever a read after them does", async () => {
    // Reads fail: only a step that was not applied reads the run back, so the written
    // ones still say so (were it one shared call, its failure would re-run them, stale).
    const unreadable: Database = {
      ...db,
      read: async () => {
        throw new Error("connection reset");
      },
    };
    const runs = runStore(unreadable, newId);
    const e = await record(reg({ id: "e1" }));
    const started = (
      await store.ingestAndStartRuns(e, 1000, () => ["a", "b", "c", "d"].map((k) => newRun(k)))
    ).runs;
    const step = (runId: string, expectedSeq: number) => ({
      runId,
      expectedSeq,
      state: waiting(5000),
      steps: [{ stepId: "w", stepType: "wait", at: 2000, detail: null }],
      messages: [],
      now: 2000,
    });
    const outcomes = await Promise.allSettled([
      ...started.map((r) => runs.applyAdvance(step(r.id, 0))),
      runs.applyAdvance(step(started[0]?.id as string, 7)),
    ]);
    expect(outcomes.slice(0, 4).map((o) => o.status === "fulfilled" && o.value.applied)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    // The one that was not applied needs the run as it is now. Postgres reads it after the
    // write, and that read fails, alone; SQLite reads it in the step's own transaction.
    if (name === "Postgres")
      expect(outcomes[4]).toMatchObject({ status: "rejected", reason: { message: "connection reset" } });
    else expect(outcomes[4]).toMatchObject({ status: "fulfilled", value: { applied: false } });
    for (const r of started) expect((await store.getRun(r.id))?.seq).toBe(1);
  });

  it.skipIf(skip)("reads many events at once (Postgres: one select for those in flight)", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `e${i}`);
    for (const id of ids) await record(reg({ id, customer: { email: `${id}@example.com` } }));
    const counted = countingDatabase(db, ["read"]);
    const events = eventStore(counted.database, newId);
    const got = await Promise.all([...ids, "nope", "e3"].map((id) => events.getEvent(id)));
    expect(got.map((e) => e?.id ?? null)).toEqual([...ids, null, "e3"]);
    expect(got[3]).toEqual(await store.getEvent("e3"));
    expect(got[3]).not.toBe(got[21]);
    expect(got[5]?.body.customer.email).toBe("e5@example.com");
    // SQLite reads each on its own (no round trip to save); Postgres the first alone, then the rest together.
    if (name === "SQLite") expect(counted.calls()).toBe(22);
    else expect(counted.calls()).toBeLessThan(5);
  });

  it.skipIf(skip)(
    "reads and steps many runs at once (Postgres: one statement for those in flight), each as if alone",
    async () => {
      // Counts the multi-run writes: on Postgres the steps asked for together share them.
      const counted = countingDatabase(db, ["writeReturningAll"]);
      const runs = runStore(counted.database, newId);
      const e = await record(reg({ id: "e1" }));
      const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
      const started = (await store.ingestAndStartRuns(e, 1000, () => keys.map((k) => newRun(k)))).runs;
      const ids = started.map((r) => r.id);
      const rows = (runIndex: number) =>
        Array.from({ length: runIndex % 4 }, (_, j) => ({
          stepId: `r${runIndex}s${j}`,
          stepType: "wait",
          at: 1000 + j,
          detail: j === 1 ? `{"j":${j}}` : null,
        }));
      const stepOf = (i: number, over: Partial<RunAdvance> = {}): RunAdvance => ({
        runId: ids[i] as string,
        expectedSeq: 0,
        state: i === 7 ? { ...active, cursor: [9], status: "completed" } : waiting(5000 + i),
        steps: rows(i),
        messages: [],
        now: 2000,
        ...(i === 3 ? { flowVersion: "v2" } : {}),
        ...over,
      });
      // Reads in one burst: each its own run, a missing one null.
      const read = await Promise.all([...ids, "nope", ids[0] as string].map((id) => runs.getRun(id)));
      expect(read.map((r) => r?.id ?? null)).toEqual([...ids, null, ids[0]]);
      expect(read[0]).not.toBe(read[31]);
      // One burst: every run's step, a second step of run 0 at the same seq, one at a
      // seq run 1 is not at, and one of a run that is not there.
      const outcomes = await Promise.all([
        ...ids.map((_, i) => runs.applyAdvance(stepOf(i))),
        runs.applyAdvance(
          stepOf(0, {
            state: waiting(9999),
            steps: [{ stepId: "dup", stepType: "wait", at: 1, detail: null }],
          }),
        ),
        runs.applyAdvance(stepOf(1, { expectedSeq: 5 })),
        runs.applyAdvance(stepOf(2, { runId: "nope" })),
      ]);
      const applied = outcomes.slice(0, 30);
      // Run 0: exactly one of its two steps applied.
      expect([applied[0]?.applied, outcomes[30]?.applied].filter(Boolean)).toHaveLength(1);
      expect(applied.slice(1).every((o) => o.applied)).toBe(true);
      expect(outcomes[31]).toEqual({ applied: false, run: expect.objectContaining({ id: ids[1], seq: 1 }) });
      expect(outcomes[32]).toEqual({ applied: false, run: null });
      for (const [i, id] of ids.entries()) {
        const run = await store.getRun(id);
        expect(run?.seq).toBe(1);
        if (i === 0) {
          // Whichever took, its history is its own and alone.
          const took = applied[0]?.applied
            ? stepOf(0)
            : stepOf(0, { steps: [{ stepId: "dup", stepType: "wait", at: 1, detail: null }] });
          expect(await historyOf(db, id)).toEqual(took.steps.map((r) => ({ seq: 1, ...r })));
          continue;
        }
        expect(applied[i]).toEqual({ applied: true, run, messages: [] });
        expect(await historyOf(db, id)).toEqual(rows(i).map((r) => ({ seq: 1, ...r })));
      }
      expect(await store.getRun(ids[7] as string)).toMatchObject({ status: "completed", completedAt: 2000 });
      expect(await store.getRun(ids[3] as string)).toMatchObject({ flowVersion: "v2" });
      expect(await store.getRun(ids[4] as string)).toMatchObject({ flowVersion: "v1", wakeAt: 5004 });
      if (name === "SQLite") expect(counted.calls()).toBe(0);
      else {
        // The first of the burst went alone; the others shared a few statements.
        expect(counted.calls()).toBeGreaterThan(0);
        expect(counted.calls()).toBeLessThan(5);
      }
    },
  );

  it.skipIf(skip)("lists never-stepped runs and overdue waiting runs for the sweeper", async () => {
    const { customer } = await store.ingestEvent(await record(reg({ id: "e1" })), 1000);
    const [fresh, later, sooner] = await store.startRuns(
      "e1",
      customer.id,
      [newRun("a"), newRun("b", { state: waiting(3000) }), newRun("c", { state: waiting(2000) })],
      1000,
    );
    expect((await store.listDueRuns(5000, 1001, 10)).map((r) => r.id)).toEqual([
      fresh?.id,
      sooner?.id,
      later?.id,
    ]);
    expect(await store.listDueRuns(5000, 1000, 10)).toEqual([]);
    expect((await store.listWaitingRuns(customer.id)).map((r) => r.id).sort()).toEqual(
      [later?.id, sooner?.id].sort(),
    );
  });

  it.skipIf(skip)("adds and removes tags and sets attributes, also from steps running at once", async () => {
    const e = await record(
      reg({ id: "t1", customer: { email: "ada@example.com", attributes: { tier: "silver" } } }),
    );
    const { customer } = await store.ingestEvent(e, 1000);
    const started = await store.startRuns(
      "t1",
      customer.id,
      Array.from({ length: 8 }, (_, i) => newRun(`f|${i}`)),
      1000,
    );
    const step = (
      runId: string,
      expectedSeq: number,
      customerChanges: NonNullable<Parameters<typeof store.applyAdvance>[0]["customer"]>,
    ) =>
      store.applyAdvance({
        runId,
        expectedSeq,
        state: waiting(9000),
        steps: [],
        messages: [],
        customer: customerChanges,
        now: 2000,
      });
    // Eight runs of one customer tag at once: every tag lands.
    const outcomes = await Promise.all(
      started.map((r, i) =>
        step(r.id, 0, { addTags: [`t${i}`, "early"], removeTags: [], attributes: { [`a${i}`]: i } }),
      ),
    );
    expect(outcomes.every((o) => o.applied)).toBe(true);
    await step(started[0]?.id as string, 1, {
      addTags: [],
      removeTags: ["early", "t7"],
      attributes: { tier: "gold" },
    });
    const stale = await step(started[0]?.id as string, 1, {
      addTags: ["stale"],
      removeTags: [],
      attributes: {},
    });
    expect(stale.applied).toBe(false);
    const after = await store.getCustomer(customer.id);
    expect(after?.tags).toEqual(["t0", "t1", "t2", "t3", "t4", "t5", "t6"]);
    expect(after?.attributes).toEqual({
      tier: "gold",
      a0: 0,
      a1: 1,
      a2: 2,
      a3: 3,
      a4: 4,
      a5: 5,
      a6: 6,
      a7: 7,
    });
  });

  it.skipIf(skip)(
    "at_most_once_in: starts a run only when the last one is older than the window",
    async () => {
      const start = async (id: string, at: number) => {
        const e = await record(reg({ id }), at);
        return (
          await store.ingestAndStartRuns(e, at, () => [
            newRun(`nudge|${id}`, { flowId: "nudge", notIfStartedAfter: at - 30_000 }),
          ])
        ).runs;
      };
      expect(await start("w1", 100_000)).toHaveLength(1);
      expect(await start("w2", 110_000)).toHaveLength(0); // inside the 30 s window
      expect(await start("w3", 130_000)).toHaveLength(1); // 30 s after the first: allowed again
      // Ten events at once, each its own entry key: the window lets one in.
      const at = 500_000;
      const events = await Promise.all(
        Array.from({ length: 10 }, (_, i) => record(reg({ id: `c${i}` }), at)),
      );
      const results = await Promise.all(
        events.map((e) =>
          store.ingestAndStartRuns(e, at, () => [
            newRun(`nudge|${e.id}`, { flowId: "nudge", notIfStartedAfter: at - 30_000 }),
          ]),
        ),
      );
      expect(results.flatMap((r) => r.runs)).toHaveLength(1);
      expect(await count(db, flowRuns)).toBe(3);
    },
  );

  it.skipIf(skip)("20 events for one new customer at once: one customer, each run once", async () => {
    const events = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        record(
          reg({
            id: `r${i}`,
            customer: { email: "New@Example.com", name: `N${i}`, attributes: { [`k${i}`]: i } },
          }),
        ),
      ),
    );
    const runsFor = (i: IngestedEvent): NewRun[] => [
      newRun(`welcome|${i.customer.id}`, { flowId: "welcome" }),
      newRun(`thanks|${i.ownership?.id}`, { flowId: "thanks", ownershipId: i.ownership?.id ?? null }),
    ];
    const results = await Promise.all(events.map((e) => store.ingestAndStartRuns(e, 1000, runsFor)));
    const customerIds = new Set(results.map((r) => r.ingested.customer.id));
    expect(customerIds.size).toBe(1);
    expect(new Set(results.map((r) => r.ingested.ownership?.id)).size).toBe(1);
    expect(await count(db, customers)).toBe(1);
    const ownershipCount = await db.read((t) =>
      t.get(adhoc<{ n: number }>(sql`select count(*) as n from ${ownerships}`)),
    );
    expect(Number(ownershipCount?.n)).toBe(1);
    // Each entry key started once, by whichever event got there first.
    const started = results.flatMap((r) => r.runs);
    expect(started.map((r) => r.flowId).sort()).toEqual(["thanks", "welcome"]);
    expect(await count(db, flowRuns)).toBe(2);
    for (const e of events) expect((await store.getEvent(e.id))?.status).toBe("processed");
    // Every event's attributes merged in.
    const merged = await store.findCustomerByEmail("new@example.com");
    expect(Object.keys(merged?.attributes ?? {})).toHaveLength(20);
  });

  it.skipIf(skip)("records each flow version once, with the version before it", async () => {
    expect(await store.recordFlowVersions([flow("a", "v1"), flow("b", "v1")], 1000)).toEqual([
      { flowId: "a", version: "v1", previousVersion: null, firstSeenAt: 1000 },
      { flowId: "b", version: "v1", previousVersion: null, firstSeenAt: 1000 },
    ]);
    expect(await store.recordFlowVersions([flow("a", "v1")], 2000)).toEqual([]);
    expect(await store.recordFlowVersions([flow("a", "v2")], 3000)).toEqual([
      { flowId: "a", version: "v2", previousVersion: "v1", firstSeenAt: 3000 },
    ]);
    expect((await store.getFlowVersion("a", "v1"))?.version).toBe("v1");
    expect(await store.getFlowVersion("a", "v9")).toBeNull();
    expect((await store.listFlowVersions("a")).map((f) => f.version)).toEqual(["v1", "v2"]);
    expect(await store.getFlowVersion("a", "v1")).not.toHaveProperty("positions");
    // Processes starting at once: one of them reports the new version.
    const reports = await Promise.all([1, 2, 3].map(() => store.recordFlowVersions([flow("c", "v1")], 4000)));
    expect(reports.flat()).toHaveLength(1);
  });
});
