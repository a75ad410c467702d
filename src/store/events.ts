/** Events as received: stored once per id before the HTTP layer answers 202. */
import { and, asc, eq, lt, sql } from "drizzle-orm";
import type { EventBody } from "../events/event-body.js";
import { type Db, prepared } from "./db.js";
import { toEvent } from "./rows.js";
import { events } from "./schema.js";
import type { EventRow } from "./store.js";

export function recordEvent(
  db: Db,
  body: EventBody,
  now: number,
  newId: () => string,
): { eventId: string; duplicate: boolean; event: EventRow } {
  const id = body.id ?? newId();
  const occurredAt = body.occurredAt ? Date.parse(body.occurredAt) : now;
  const inserted = prepared(db, "events.record", () =>
    db
      .insert(events)
      .values({
        id: sql.placeholder("id"),
        type: sql.placeholder("type"),
        occurredAt: sql.placeholder("occurredAt"),
        receivedAt: sql.placeholder("receivedAt"),
        customerEmail: sql.placeholder("customerEmail"),
        payload: sql.placeholder("payload"),
      })
      .onConflictDoNothing()
      .returning()
      .prepare(),
  ).get({
    id,
    type: body.type,
    occurredAt,
    receivedAt: now,
    customerEmail: body.customer.email.toLowerCase(),
    payload: JSON.stringify({ ...body, id }),
  });
  if (inserted) return { eventId: id, duplicate: false, event: toEvent(inserted) };
  const row = db.select().from(events).where(eq(events.id, id)).get();
  if (!row) throw new Error(`event ${id} vanished right after it was stored`);
  return { eventId: id, duplicate: true, event: toEvent(row) };
}

export function getEvent(db: Db, id: string): EventRow | null {
  const row = prepared(db, "events.get", () =>
    db
      .select()
      .from(events)
      .where(eq(events.id, sql.placeholder("id")))
      .prepare(),
  ).get({ id });
  return row ? toEvent(row) : null;
}

export function markEventFailed(db: Db, id: string, error: string, now: number): void {
  db.update(events).set({ status: "failed", error, processedAt: now }).where(eq(events.id, id)).run();
}

export function listStrandedEvents(db: Db, receivedBefore: number, limit: number): string[] {
  return db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.status, "received"), lt(events.receivedAt, receivedBefore)))
    .orderBy(asc(events.receivedAt))
    .limit(limit)
    .all()
    .map((r) => r.id);
}
