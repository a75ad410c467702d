/**
 * Date schedules: when each date-triggered flow next comes due for a customer (birthday
 * flows) or an ownership (anniversary flows). The jobs compute the times (pure helpers in
 * src/flows/dates.ts); the store keeps them, pages through customers and ownerships for
 * the backfill (keyset on id), and fires a due schedule in ONE transaction: the move to
 * the next occurrence (only if the schedule is still where the caller saw it), the
 * occurrence's event row (deterministic id) and its run (unique entry key). So a firing
 * repeated after a crash, or raced by another worker, starts nothing twice.
 */
import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, sql } from "drizzle-orm";
import { bound, type Db, prepared } from "./db.js";
import { toCustomer, toOwnership } from "./rows.js";
import { startRunsWithin } from "./runs.js";
import { customers, dateSchedules, events, ownerships } from "./schema.js";
import type {
  CustomerRow,
  DateBackfillItem,
  DateFiring,
  DateScheduleRow,
  DateScheduleWrite,
  OwnershipRow,
  RunRow,
} from "./store.js";

const toSchedule = (r: typeof dateSchedules.$inferSelect): DateScheduleRow => ({ ...r });

export function dateScheduleSubject(
  db: Db,
  customerId: string,
): { customer: CustomerRow; ownerships: OwnershipRow[]; schedules: DateScheduleRow[] } | null {
  const customer = db.select().from(customers).where(eq(customers.id, customerId)).get();
  if (!customer) return null;
  return {
    customer: toCustomer(customer),
    ownerships: db
      .select()
      .from(ownerships)
      .where(eq(ownerships.customerId, customerId))
      .orderBy(asc(ownerships.id))
      .all()
      .map(toOwnership),
    schedules: db
      .select()
      .from(dateSchedules)
      .where(eq(dateSchedules.customerId, customerId))
      .all()
      .map(toSchedule),
  };
}

export function upsertDateSchedules(db: Db, rows: DateScheduleWrite[], now: number): void {
  if (rows.length === 0) return;
  const upsert = prepared(db, "dateSchedules.upsert", () =>
    db
      .insert(dateSchedules)
      .values({
        key: sql.placeholder("key"),
        flowId: sql.placeholder("flowId"),
        customerId: sql.placeholder("customerId"),
        ownershipId: sql.placeholder("ownershipId"),
        triggerKey: sql.placeholder("triggerKey"),
        nextAt: sql.placeholder("nextAt"),
        createdAt: sql.placeholder("now"),
        updatedAt: sql.placeholder("now"),
      })
      .onConflictDoUpdate({
        target: dateSchedules.key,
        set: { triggerKey: bound("triggerKey"), nextAt: bound("nextAt"), updatedAt: bound("now") },
      })
      .prepare(),
  );
  db.transaction(
    () => {
      for (const row of rows) upsert.run({ ...row, now });
    },
    { behavior: "immediate" },
  );
}

export function dateBackfillPage(
  db: Db,
  flowId: string,
  over: "customers" | "ownerships",
  after: string,
  limit: number,
): { items: DateBackfillItem[]; next: string | null } {
  let items: DateBackfillItem[];
  if (over === "customers") {
    items = db
      .select({ customer: customers, schedule: dateSchedules })
      .from(customers)
      .leftJoin(
        dateSchedules,
        and(
          eq(dateSchedules.flowId, flowId),
          eq(dateSchedules.customerId, customers.id),
          isNull(dateSchedules.ownershipId),
        ),
      )
      .where(gt(customers.id, after))
      .orderBy(asc(customers.id))
      .limit(limit)
      .all()
      .map((r) => ({
        customer: toCustomer(r.customer),
        ownership: null,
        schedule: r.schedule ? toSchedule(r.schedule) : null,
      }));
  } else {
    items = db
      .select({ ownership: ownerships, customer: customers, schedule: dateSchedules })
      .from(ownerships)
      .innerJoin(customers, eq(customers.id, ownerships.customerId))
      .leftJoin(
        dateSchedules,
        and(
          eq(dateSchedules.flowId, flowId),
          eq(dateSchedules.customerId, ownerships.customerId),
          eq(dateSchedules.ownershipId, ownerships.id),
        ),
      )
      .where(gt(ownerships.id, after))
      .orderBy(asc(ownerships.id))
      .limit(limit)
      .all()
      .map((r) => ({
        customer: toCustomer(r.customer),
        ownership: toOwnership(r.ownership),
        schedule: r.schedule ? toSchedule(r.schedule) : null,
      }));
  }
  const last = items.at(-1);
  const next = items.length < limit || !last ? null : (last.ownership?.id ?? last.customer.id);
  return { items, next };
}

export function listDueDateSchedules(
  db: Db,
  flowIds: readonly string[],
  now: number,
  limit: number,
): DateScheduleRow[] {
  if (flowIds.length === 0) return [];
  return db
    .select()
    .from(dateSchedules)
    .where(
      and(
        isNotNull(dateSchedules.nextAt),
        lte(dateSchedules.nextAt, now),
        inArray(dateSchedules.flowId, [...flowIds]),
      ),
    )
    .orderBy(asc(dateSchedules.nextAt))
    .limit(limit)
    .all()
    .map(toSchedule);
}

export function getDateSchedule(db: Db, key: string): DateScheduleRow | null {
  const row = db.select().from(dateSchedules).where(eq(dateSchedules.key, key)).get();
  return row ? toSchedule(row) : null;
}

export function fireDateSchedule(
  db: Db,
  f: DateFiring,
  newId: () => string,
): { applied: boolean; runs: RunRow[] } {
  return db.transaction(
    (tx) => {
      const moved = tx
        .update(dateSchedules)
        .set({
          nextAt: f.nextAt,
          triggerKey: f.triggerKey,
          updatedAt: f.now,
          ...(f.fired ? { lastOccurrence: f.expectedNextAt } : {}),
        })
        .where(and(eq(dateSchedules.key, f.key), eq(dateSchedules.nextAt, f.expectedNextAt)))
        .run();
      // Another worker (or an event's refresh) moved it first: it is theirs.
      if (moved.changes === 0) return { applied: false, runs: [] };
      if (!f.start) return { applied: true, runs: [] };
      const { event, customerId, run } = f.start;
      // Processed from the start: no events job looks at it; runContext and deliveries read it.
      tx.insert(events)
        .values({
          id: event.id,
          type: event.type,
          occurredAt: event.occurredAt,
          receivedAt: f.now,
          customerEmail: event.customerEmail,
          payload: JSON.stringify(event.body),
          status: "processed",
          customerId,
          processedAt: f.now,
        })
        .onConflictDoNothing()
        .run();
      const runs = startRunsWithin(db, event.id, customerId, [run], f.now, newId);
      return { applied: true, runs };
    },
    { behavior: "immediate" },
  );
}
