/**
 * Broadcasts (product news): a flow run for every owner of a product or category (and a
 * category's former owners who stay in touch).
 *
 * The audience (src/store/broadcast-audience.ts) is read a page at a time in (product id,
 * ownership id) order, so nothing holds the whole audience. A page's runs, the cursor
 * after it and the counts are written in one transaction: a job killed at any point resumes at the cursor and creates no run twice
 * (entry keys are unique, and a page is written only if the page count is still what
 * the job read).
 */
import { sql } from "drizzle-orm";
import { audiencePage, countAudience } from "./broadcast-audience.js";
import { insertRunsIfNew } from "./run-inserts.js";
import { broadcasts, events } from "./schema.js";
import { columnsOf } from "./sql/columns.js";
import type { Database, Sql } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type {
  BroadcastAudience,
  BroadcastPageOutcome,
  BroadcastPageWrite,
  BroadcastRow,
  BroadcastStore,
  NewBroadcast,
} from "./store.js";

type BroadcastRecord = typeof broadcasts.$inferSelect;
const p = sql.placeholder;

/**
 * The events table wants a customer address; a broadcast's event has no one customer.
 * `.invalid` is reserved (RFC 2606): nothing is ever sent there. Each run's messages go
 * to the run's own customer.
 */
export const BROADCAST_EVENT_EMAIL = "broadcast@rapport.invalid";

/** Event ids from senders never contain '/', so a broadcast's event cannot collide with one. */
export const broadcastEventId = (broadcastId: string) => `broadcast/${broadcastId}`;

const toBroadcast = (r: BroadcastRecord): BroadcastRow => ({
  id: r.id,
  flowId: r.flowId,
  eventId: r.eventId,
  audience: JSON.parse(r.audience) as BroadcastAudience,
  properties: JSON.parse(r.properties) as BroadcastRow["properties"],
  status: r.status,
  cursor:
    r.cursorProductId !== null && r.cursorOwnershipId !== null
      ? { productId: r.cursorProductId, ownershipId: r.cursorOwnershipId }
      : null,
  pages: r.pages,
  total: r.total,
  started: r.started,
  skipped: r.skipped,
  error: r.error,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  finishedAt: r.finishedAt,
});

const insertBroadcast = query<BroadcastRecord>(sql`
  insert into ${broadcasts} (id, flow_id, event_id, audience, properties, created_at, updated_at)
  values (${p("id")}, ${p("flowId")}, ${p("eventId")}, ${p("audience")}, ${p("properties")}, ${p("now")}, ${p("now")})
  on conflict (id) do nothing
  returning ${columnsOf(broadcasts)}`);
// Processed from the start: no events job ever looks at it (it names no real customer);
// runContext and deliveries read its type and properties.
const insertBroadcastEvent = query(sql`
  insert into ${events} (id, type, occurred_at, received_at, customer_email, payload, status, processed_at)
  values (${p("id")}, ${p("type")}, ${p("now")}, ${p("now")}, ${p("email")}, ${p("payload")}, 'processed', ${p("now")})
  on conflict (id) do nothing`);
const broadcastById = query<BroadcastRecord>(sql`
  select ${columnsOf(broadcasts)} from ${broadcasts} where id = ${p("id")}`);
const markRunning = query(sql`
  update ${broadcasts} set status = 'running', total = ${p("total")}, updated_at = ${p("now")}
  where id = ${p("id")} and status = 'queued'`);
const markFailed = query(sql`
  update ${broadcasts} set status = 'failed', error = ${p("error")}, updated_at = ${p("now")}, finished_at = ${p("now")}
  where id = ${p("id")}`);
const strandedBroadcasts = query<{ id: string }>(sql`
  select id from ${broadcasts}
  where status in ('queued', 'running') and updated_at < ${p("before")}
  order by updated_at limit ${p("limit")}`);

// A page: the broadcast moves first and only if it is still where the job read it, so a
// second writer of the same page changes nothing (on Postgres it waits on this row's lock,
// then finds the page count moved on).
const advancePage = query<{ eventId: string }>(sql`
  update ${broadcasts} set cursor_product_id = ${p("productId")}, cursor_ownership_id = ${p("ownershipId")},
    pages = pages + 1, status = ${p("status")}, updated_at = ${p("now")}, finished_at = ${p("finishedAt")}
  where id = ${p("id")} and pages = ${p("expectedPages")} and status in ('queued', 'running')
  returning event_id as "eventId"`);
const addCounts = query<BroadcastRecord>(sql`
  update ${broadcasts} set started = started + ${p("started")}, skipped = skipped + ${p("skipped")}
  where id = ${p("id")}
  returning ${columnsOf(broadcasts)}`);

export async function createBroadcast(
  t: Sql,
  input: NewBroadcast,
  now: number,
  newId: () => string,
): Promise<{ broadcast: BroadcastRow; duplicate: boolean }> {
  const id = input.id ?? newId();
  const eventId = broadcastEventId(id);
  const inserted = await t.get(insertBroadcast, {
    id,
    flowId: input.flowId,
    eventId,
    audience: JSON.stringify(input.audience),
    properties: JSON.stringify(input.properties),
    now,
  });
  if (!inserted) {
    const row = await t.get(broadcastById, { id });
    if (!row) throw new Error(`broadcast ${id} vanished right after it was stored`);
    return { broadcast: toBroadcast(row), duplicate: true };
  }
  await t.run(insertBroadcastEvent, {
    id: eventId,
    type: input.eventType,
    now,
    email: BROADCAST_EVENT_EMAIL,
    payload: JSON.stringify({
      id: eventId,
      type: input.eventType,
      customer: { email: BROADCAST_EVENT_EMAIL },
      properties: input.properties,
    }),
  });
  return { broadcast: toBroadcast(inserted), duplicate: false };
}

export async function getBroadcast(t: Sql, id: string): Promise<BroadcastRow | null> {
  const row = await t.get(broadcastById, { id });
  return row ? toBroadcast(row) : null;
}

export async function writeBroadcastPage(
  t: Sql,
  page: BroadcastPageWrite,
  newId: () => string,
): Promise<BroadcastPageOutcome> {
  const moved = await t.get(advancePage, {
    id: page.broadcastId,
    expectedPages: page.expectedPages,
    productId: page.next?.productId ?? null,
    ownershipId: page.next?.ownershipId ?? null,
    status: page.done ? "completed" : "running",
    now: page.now,
    finishedAt: page.done ? page.now : null,
  });
  // Written by another job already (or finished, or gone): nothing of this page is written.
  if (!moved) return { applied: false, broadcast: await getBroadcast(t, page.broadcastId) };
  const created = await insertRunsIfNew(
    t,
    page.runs.map((run) => ({
      run,
      ids: { id: newId(), customerId: run.customerId, eventId: moved.eventId },
    })),
    page.now,
  );
  const updated = await t.get(addCounts, {
    id: page.broadcastId,
    started: created.length,
    // Owners whose run's entry key was taken (a once-flow they already had) or whose entry
    // window was closed are skipped too.
    skipped: page.skipped + (page.runs.length - created.length),
  });
  if (!updated) throw new Error(`broadcast ${page.broadcastId} vanished while its page was written`);
  return { applied: true, broadcast: toBroadcast(updated), created };
}

export function broadcastStore(db: Database, newId: () => string): BroadcastStore {
  return {
    createBroadcast: (input, now) => db.tx((t) => createBroadcast(t, input, now, newId)),
    getBroadcast: (id) => db.read((t) => getBroadcast(t, id)),
    markBroadcastRunning: async (id, total, now) => {
      await db.write(markRunning, { id, total, now });
    },
    markBroadcastFailed: async (id, error, now) => {
      await db.write(markFailed, { id, error, now });
    },
    countAudience: (audience) => db.read((t) => countAudience(t, audience)),
    audiencePage: (audience, cursor, limit) => db.read((t) => audiencePage(t, audience, cursor, limit)),
    writeBroadcastPage: (page) => db.tx((t) => writeBroadcastPage(t, page, newId)),
    listStrandedBroadcasts: (before, limit) =>
      db.read(async (t) => (await t.all(strandedBroadcasts, { before, limit })).map((r) => r.id)),
  };
}
