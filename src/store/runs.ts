/**
 * Flow runs: created once per entry key, advanced under optimistic concurrency
 * (a step writes only if the run is still at the seq it loaded), so a step job that
 * runs twice, or two workers racing on one run, apply each step exactly once.
 */
import { and, asc, eq, isNull, lt, lte, or, sql } from "drizzle-orm";
import { ingestWithin } from "./customers.js";
import { bound, type Db, prepared } from "./db.js";
import { toCustomer, toEvent, toMessage, toOwnership, toProduct, toRun } from "./rows.js";
import { customers, events, flowRuns, messages, ownerships, products, runSteps } from "./schema.js";
import type {
  AdvanceOutcome,
  CustomerChanges,
  EventRow,
  IngestedEvent,
  MessageRow,
  NewRun,
  OwnershipRow,
  ProductRow,
  RunAdvance,
  RunRow,
} from "./store.js";

export function startRuns(
  db: Db,
  eventId: string,
  customerId: string,
  runs: NewRun[],
  now: number,
  newId: () => string,
): RunRow[] {
  return db.transaction(() => startRunsWithin(db, eventId, customerId, runs, now, newId), {
    behavior: "immediate",
  });
}

/**
 * ingestEvent and startRuns in one transaction (one commit fewer per event): `runsFor`
 * chooses the runs from what the ingest found (it must not do I/O).
 */
export function ingestAndStartRuns(
  db: Db,
  event: EventRow,
  now: number,
  runsFor: (ingested: IngestedEvent) => NewRun[],
  newId: () => string,
): { ingested: IngestedEvent; runs: RunRow[] } {
  return db.transaction(
    () => {
      const ingested = ingestWithin(db, event, now, newId);
      const runs = startRunsWithin(db, event.id, ingested.customer.id, runsFor(ingested), now, newId);
      return { ingested, runs };
    },
    { behavior: "immediate" },
  );
}

/** A new run's row as placeholders: one shape for every way a run starts (events, broadcasts, dates). */
export function newRunValues() {
  return {
    id: sql.placeholder("id"),
    flowId: sql.placeholder("flowId"),
    flowVersion: sql.placeholder("flowVersion"),
    customerId: sql.placeholder("customerId"),
    ownershipId: sql.placeholder("ownershipId"),
    eventId: sql.placeholder("eventId"),
    entryKey: sql.placeholder("entryKey"),
    state: sql.placeholder("state"),
    status: sql.placeholder("status"),
    wakeAt: sql.placeholder("wakeAt"),
    seq: 0,
    createdAt: sql.placeholder("now"),
    updatedAt: sql.placeholder("now"),
  };
}

/**
 * entry: { at_most_once_in }: whether the customer's latest run of the flow is older than
 * the window (always true for other rules). Checked inside the transaction that would
 * start the run, so two events racing cannot both get in.
 */
export function entryWindowOpen(db: Db, run: NewRun, customerId: string): boolean {
  if (run.notIfStartedAfter === undefined) return true;
  const latestStart = prepared(db, "runs.latestStart", () =>
    db
      .select({ at: sql<number | null>`max(${flowRuns.createdAt})` })
      .from(flowRuns)
      .where(
        and(
          eq(flowRuns.flowId, sql.placeholder("flowId")),
          eq(flowRuns.customerId, sql.placeholder("customerId")),
        ),
      )
      .prepare(),
  );
  const last = latestStart.get({ flowId: run.flowId, customerId })?.at ?? null;
  return last === null || last <= run.notIfStartedAfter;
}

/** startRuns' writes; the caller holds a transaction on `db`. */
export function startRunsWithin(
  db: Db,
  eventId: string,
  customerId: string,
  runs: NewRun[],
  now: number,
  newId: () => string,
): RunRow[] {
  const insertRun = prepared(db, "runs.insert", () =>
    db.insert(flowRuns).values(newRunValues()).onConflictDoNothing({ target: flowRuns.entryKey }).prepare(),
  );
  const markProcessed = prepared(db, "runs.markEventProcessed", () =>
    db
      .update(events)
      .set({ status: "processed", processedAt: bound("now"), customerId: bound("customerId"), error: null })
      .where(eq(events.id, sql.placeholder("eventId")))
      .prepare(),
  );
  const unstarted = prepared(db, "runs.unstarted", () =>
    db
      .select()
      .from(flowRuns)
      .where(and(eq(flowRuns.eventId, sql.placeholder("eventId")), eq(flowRuns.seq, 0)))
      .prepare(),
  );
  for (const run of runs) {
    if (!entryWindowOpen(db, run, customerId)) continue;
    insertRun.run({
      id: newId(),
      flowId: run.flowId,
      flowVersion: run.flowVersion,
      customerId,
      ownershipId: run.ownershipId,
      eventId,
      entryKey: run.entryKey,
      state: JSON.stringify(run.state),
      status: run.state.status,
      wakeAt: run.state.wakeAt,
      now,
    });
  }
  markProcessed.run({ eventId, customerId, now });
  return unstarted.all({ eventId }).map(toRun);
}

export function getRun(db: Db, id: string): RunRow | null {
  const row = prepared(db, "runs.get", () =>
    db
      .select()
      .from(flowRuns)
      .where(eq(flowRuns.id, sql.placeholder("id")))
      .prepare(),
  ).get({ id });
  return row ? toRun(row) : null;
}

export function runContext(
  db: Db,
  runId: string,
): {
  event: EventRow;
  ingested: IngestedEvent;
  ownerships: Array<OwnershipRow & { product: ProductRow }>;
} | null {
  const run = db.select().from(flowRuns).where(eq(flowRuns.id, runId)).get();
  if (!run) return null;
  const event = db.select().from(events).where(eq(events.id, run.eventId)).get();
  const customer = db.select().from(customers).where(eq(customers.id, run.customerId)).get();
  if (!event || !customer) return null;
  const ownership = run.ownershipId
    ? db.select().from(ownerships).where(eq(ownerships.id, run.ownershipId)).get()
    : undefined;
  const product = ownership
    ? db.select().from(products).where(eq(products.id, ownership.productId)).get()
    : undefined;
  // Everything the customer owns or owned, for `owns:` conditions.
  const owned = db
    .select()
    .from(ownerships)
    .innerJoin(products, eq(products.id, ownerships.productId))
    .where(eq(ownerships.customerId, run.customerId))
    .all()
    .map((r) => ({ ...toOwnership(r.ownerships), product: toProduct(r.products) }));
  return {
    event: toEvent(event),
    ingested: {
      customer: toCustomer(customer),
      ownership: ownership ? toOwnership(ownership) : null,
      product: product ? toProduct(product) : null,
    },
    ownerships: owned,
  };
}

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/** Applies tag / untag / set to the customer row (read, change, write: inside the run's transaction). */
function changeCustomer(tx: Tx, customerId: string, changes: CustomerChanges, now: number): void {
  const row = tx
    .select({ tags: customers.tags, attributes: customers.attributes })
    .from(customers)
    .where(eq(customers.id, customerId))
    .get();
  if (!row) throw new Error(`customer ${customerId} is missing`);
  const tags = new Set(JSON.parse(row.tags) as string[]);
  for (const t of changes.addTags) tags.add(t);
  for (const t of changes.removeTags) tags.delete(t);
  const attributes = { ...(JSON.parse(row.attributes) as Record<string, unknown>), ...changes.attributes };
  tx.update(customers)
    .set({ tags: JSON.stringify([...tags].sort()), attributes: JSON.stringify(attributes), updatedAt: now })
    .where(eq(customers.id, customerId))
    .run();
}

export function applyAdvance(db: Db, a: RunAdvance): AdvanceOutcome {
  const q = prepared(db, "runs.advance", () => ({
    update: db
      .update(flowRuns)
      .set({
        state: bound("state"),
        status: bound("status"),
        wakeAt: bound("wakeAt"),
        seq: bound("nextSeq"),
        updatedAt: bound("now"),
        completedAt: bound("completedAt"),
        error: bound("error"),
      })
      .where(and(eq(flowRuns.id, sql.placeholder("runId")), eq(flowRuns.seq, sql.placeholder("expectedSeq"))))
      .returning()
      .prepare(),
    insertStep: db
      .insert(runSteps)
      .values({
        runId: sql.placeholder("runId"),
        seq: sql.placeholder("seq"),
        stepId: sql.placeholder("stepId"),
        stepType: sql.placeholder("stepType"),
        at: sql.placeholder("at"),
        detail: sql.placeholder("detail"),
      })
      .prepare(),
    customerEmail: db
      .select({ email: customers.email })
      .from(customers)
      .where(eq(customers.id, sql.placeholder("id")))
      .prepare(),
    insertMessage: db
      .insert(messages)
      .values({
        id: sql.placeholder("id"),
        dedupeKey: sql.placeholder("dedupeKey"),
        runId: sql.placeholder("runId"),
        stepId: sql.placeholder("stepId"),
        flowId: sql.placeholder("flowId"),
        customerId: sql.placeholder("customerId"),
        ownershipId: sql.placeholder("ownershipId"),
        eventId: sql.placeholder("eventId"),
        template: sql.placeholder("template"),
        audience: sql.placeholder("audience"),
        toAddress: sql.placeholder("toAddress"),
        transactional: sql.placeholder("transactional"),
        messageIdHeader: sql.placeholder("messageIdHeader"),
        createdAt: sql.placeholder("now"),
        updatedAt: sql.placeholder("now"),
      })
      .returning()
      .prepare(),
  }));
  // The prepared queries run on db's one connection, inside this transaction.
  return db.transaction(
    (tx) => {
      const nextSeq = a.expectedSeq + 1;
      const done = a.state.status === "completed" || a.state.status === "failed";
      const updated = q.update.get({
        runId: a.runId,
        expectedSeq: a.expectedSeq,
        state: JSON.stringify(a.state),
        status: a.state.status,
        wakeAt: a.state.wakeAt,
        nextSeq,
        now: a.now,
        completedAt: done ? a.now : null,
        error: a.error ?? null,
      });
      if (!updated) {
        const current = tx.select().from(flowRuns).where(eq(flowRuns.id, a.runId)).get();
        return { applied: false, run: current ? toRun(current) : null };
      }
      const current = updated;

      for (const step of a.steps) q.insertStep.run({ runId: a.runId, seq: nextSeq, ...step });
      if (a.customer) changeCustomer(tx, current.customerId, a.customer, a.now);
      if (a.flowVersion && a.flowVersion !== current.flowVersion) {
        tx.update(flowRuns).set({ flowVersion: a.flowVersion }).where(eq(flowRuns.id, a.runId)).run();
        current.flowVersion = a.flowVersion;
      }
      const created: MessageRow[] = [];
      if (a.messages.length > 0) {
        const customer = q.customerEmail.get({ id: current.customerId });
        if (!customer)
          throw new Error(`run ${a.runId} names customer ${current.customerId}, which is missing`);
        for (const m of a.messages) {
          const row = q.insertMessage.get({
            id: m.id,
            dedupeKey: `${a.runId}:${a.expectedSeq}:${m.stepId}`,
            runId: a.runId,
            stepId: m.stepId,
            flowId: current.flowId,
            customerId: current.customerId,
            ownershipId: current.ownershipId,
            eventId: current.eventId,
            template: m.template,
            audience: m.audience ?? "customer",
            toAddress: m.toAddress ?? customer.email,
            transactional: m.transactional ? 1 : 0,
            messageIdHeader: m.messageIdHeader,
            now: a.now,
          });
          if (!row) throw new Error(`message ${m.id} was not stored`);
          created.push(toMessage(row));
        }
      }
      return { applied: true, run: toRun(current), messages: created };
    },
    { behavior: "immediate" },
  );
}

/** Runs that should have been woken (or started) by now but were not touched for a while. */
export function listDueRuns(db: Db, now: number, updatedBefore: number, limit: number): RunRow[] {
  return db
    .select()
    .from(flowRuns)
    .where(
      and(
        or(
          and(eq(flowRuns.status, "waiting"), lte(flowRuns.wakeAt, now)),
          and(eq(flowRuns.status, "active"), isNull(flowRuns.wakeAt)),
        ),
        lt(flowRuns.updatedAt, updatedBefore),
      ),
    )
    .orderBy(asc(flowRuns.wakeAt))
    .limit(limit)
    .all()
    .map(toRun);
}
