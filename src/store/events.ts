/** Events as received: stored once per id before the HTTP layer answers 202. */
import { sql } from "drizzle-orm";
import type { EventBody } from "../events/event-body.js";
import { toEvent } from "./rows.js";
import { events } from "./schema.js";
import { columnsOf } from "./sql/columns.js";
import type { Database, Sql } from "./sql/handle.js";
import { query } from "./sql/query.js";
import { rowsById } from "./sql/rows-by-id.js";
import { txBatcher } from "./sql/tx-batch.js";
import type { EventRow, EventStore } from "./store.js";

type EventRecord = typeof events.$inferSelect;
const p = sql.placeholder;

const insertEvent = query<EventRecord>(sql`
  insert into ${events} (id, type, occurred_at, received_at, customer_email, payload)
  values (${p("id")}, ${p("type")}, ${p("occurredAt")}, ${p("receivedAt")}, ${p("customerEmail")}, ${p("payload")})
  on conflict do nothing
  returning ${columnsOf(events)}`);
const eventById = query<EventRecord>(sql`select ${columnsOf(events)} from ${events} where id = ${p("id")}`);
const eventsByIds = query<EventRecord>(sql`
  select ${columnsOf(events)} from ${events} where id = any(cast(${p("ids")} as text[]))`);
const failEvent = query(sql`
  update ${events} set status = 'failed', error = ${p("error")}, processed_at = ${p("now")}
  where id = ${p("id")}`);
const strandedEvents = query<{ id: string }>(sql`
  select id from ${events} where status = 'received' and received_at < ${p("before")}
  order by received_at limit ${p("limit")}`);

export async function recordEvent(
  t: Sql,
  body: EventBody,
  now: number,
  newId: () => string,
): Promise<{ eventId: string; duplicate: boolean; event: EventRow }> {
  const id = body.id ?? newId();
  const inserted = await t.get(insertEvent, {
    id,
    type: body.type,
    occurredAt: body.occurredAt ? Date.parse(body.occurredAt) : now,
    receivedAt: now,
    customerEmail: body.customer.email.toLowerCase(),
    payload: JSON.stringify({ ...body, id }),
  });
  if (inserted) return { eventId: id, duplicate: false, event: toEvent(inserted) };
  const row = await t.get(eventById, { id });
  if (!row) throw new Error(`event ${id} vanished right after it was stored`);
  return { eventId: id, duplicate: true, event: toEvent(row) };
}

export async function getEvent(t: Sql, id: string): Promise<EventRow | null> {
  const row = await t.get(eventById, { id });
  return row ? toEvent(row) : null;
}

export function eventStore(db: Database, newId: () => string): EventStore {
  // Events posted together are stored in one transaction (group commit: tx-batch.ts): the
  // HTTP process answers many forms at once, and each commit takes the store's write lock.
  const record = txBatcher<{ body: EventBody; now: number }, Awaited<ReturnType<typeof recordEvent>>>(
    db,
    (t, { body, now }) => recordEvent(t, body, now, newId),
  );
  // Postgres: the events jobs running at once read their events in one select.
  const getEventBatched = db.dialect === "postgres" ? rowsById(db, eventsByIds, toEvent) : null;
  return {
    recordEvent: (body, now) => record({ body, now }),
    getEvent: (id) => (getEventBatched ? getEventBatched(id) : db.read((t) => getEvent(t, id))),
    markEventFailed: async (id, error, now) => {
      await db.write(failEvent, { id, error, now });
    },
    listStrandedEvents: (before, limit) =>
      db.read(async (t) => (await t.all(strandedEvents, { before, limit })).map((r) => r.id)),
  };
}
