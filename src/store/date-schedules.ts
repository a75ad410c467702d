/**
 * Date schedules: when each date-triggered flow next comes due for a customer (birthday
 * flows) or an ownership (anniversary flows). The jobs compute the times (pure helpers in
 * src/flows/dates.ts); the store keeps them, pages through customers and ownerships for
 * the backfill (keyset on id), and fires a due schedule in ONE transaction: the move to
 * the next occurrence (only if the schedule is still where the caller saw it), the
 * occurrence's event row (deterministic id) and its run (unique entry key). So a firing
 * repeated after a crash, or raced by another worker, starts nothing twice.
 */
import { sql } from "drizzle-orm";
import { toCustomer, toOwnership } from "./rows.js";
import { startRunsWithin } from "./run-inserts.js";
import { customers, dateSchedules, events, ownerships } from "./schema.js";
import { columnsOf, unprefix } from "./sql/columns.js";
import type { Database, Sql } from "./sql/handle.js";
import { adhoc, query } from "./sql/query.js";
import type {
  CustomerRow,
  DateBackfillItem,
  DateFiring,
  DateScheduleRow,
  DateScheduleStore,
  DateScheduleWrite,
  OwnershipRow,
  RunRow,
} from "./store.js";

type ScheduleRecord = typeof dateSchedules.$inferSelect;
type CustomerRecord = typeof customers.$inferSelect;
type OwnershipRecord = typeof ownerships.$inferSelect;
const p = sql.placeholder;

const toSchedule = (r: ScheduleRecord): DateScheduleRow => ({ ...r });

/** The schedule half of a left join: null when no schedule matched (its key is never null). */
function joinedSchedule(row: Record<string, unknown>): DateScheduleRow | null {
  const s = unprefix<ScheduleRecord>(row, "s_", dateSchedules);
  return s.key === null ? null : toSchedule(s);
}

const customerById = query<CustomerRecord>(sql`
  select ${columnsOf(customers)} from ${customers} where id = ${p("id")}`);
const ownershipsOf = query<OwnershipRecord>(sql`
  select ${columnsOf(ownerships)} from ${ownerships} where customer_id = ${p("customerId")} order by id`);
const schedulesOf = query<ScheduleRecord>(sql`
  select ${columnsOf(dateSchedules)} from ${dateSchedules} where customer_id = ${p("customerId")}`);
const scheduleByKey = query<ScheduleRecord>(sql`
  select ${columnsOf(dateSchedules)} from ${dateSchedules} where "key" = ${p("key")}`);
const upsertSchedule = query(sql`
  insert into ${dateSchedules} ("key", flow_id, customer_id, ownership_id, trigger_key, next_at, created_at, updated_at)
  values (${p("key")}, ${p("flowId")}, ${p("customerId")}, ${p("ownershipId")}, ${p("triggerKey")}, ${p("nextAt")},
    ${p("now")}, ${p("now")})
  on conflict ("key") do update
    set trigger_key = excluded.trigger_key, next_at = excluded.next_at, updated_at = excluded.updated_at`);

// The backfill pages by keyset on customer or ownership id, each with its schedule of the flow.
const customersPage = query<Record<string, unknown>>(sql`
  select ${columnsOf(customers, "c_")}, ${columnsOf(dateSchedules, "s_")}
  from ${customers} left join ${dateSchedules}
    on ${dateSchedules}.flow_id = ${p("flowId")} and ${dateSchedules}.customer_id = ${customers}.id
    and ${dateSchedules}.ownership_id is null
  where ${customers}.id > ${p("after")}
  order by ${customers}.id limit ${p("limit")}`);
const ownershipsPage = query<Record<string, unknown>>(sql`
  select ${columnsOf(ownerships, "o_")}, ${columnsOf(customers, "c_")}, ${columnsOf(dateSchedules, "s_")}
  from ${ownerships} join ${customers} on ${customers}.id = ${ownerships}.customer_id
    left join ${dateSchedules}
    on ${dateSchedules}.flow_id = ${p("flowId")} and ${dateSchedules}.customer_id = ${ownerships}.customer_id
    and ${dateSchedules}.ownership_id = ${ownerships}.id
  where ${ownerships}.id > ${p("after")}
  order by ${ownerships}.id limit ${p("limit")}`);

// A firing moves the schedule first and only if it is still at the time the caller saw,
// so a second firing of the same occurrence changes nothing (on Postgres it waits on this
// row's lock, then finds next_at moved on).
const moveSchedule = query(sql`
  update ${dateSchedules} set next_at = ${p("nextAt")}, trigger_key = ${p("triggerKey")}, updated_at = ${p("now")}
  where "key" = ${p("key")} and next_at = ${p("expectedNextAt")}`);
const moveFiredSchedule = query(sql`
  update ${dateSchedules} set next_at = ${p("nextAt")}, trigger_key = ${p("triggerKey")}, updated_at = ${p("now")},
    last_occurrence = ${p("expectedNextAt")}
  where "key" = ${p("key")} and next_at = ${p("expectedNextAt")}`);
// Processed from the start: no events job looks at it; runContext and deliveries read it.
const insertOccurrenceEvent = query(sql`
  insert into ${events}
    (id, type, occurred_at, received_at, customer_email, payload, status, customer_id, processed_at)
  values (${p("id")}, ${p("type")}, ${p("occurredAt")}, ${p("now")}, ${p("customerEmail")}, ${p("payload")},
    'processed', ${p("customerId")}, ${p("now")})
  on conflict (id) do nothing`);

export async function dateScheduleSubject(
  t: Sql,
  customerId: string,
): Promise<{ customer: CustomerRow; ownerships: OwnershipRow[]; schedules: DateScheduleRow[] } | null> {
  const customer = await t.get(customerById, { id: customerId });
  if (!customer) return null;
  return {
    customer: toCustomer(customer),
    ownerships: (await t.all(ownershipsOf, { customerId })).map(toOwnership),
    schedules: (await t.all(schedulesOf, { customerId })).map(toSchedule),
  };
}

export async function upsertDateSchedules(t: Sql, rows: DateScheduleWrite[], now: number): Promise<void> {
  for (const row of rows) await t.run(upsertSchedule, { ...row, now });
}

export async function dateBackfillPage(
  t: Sql,
  flowId: string,
  over: "customers" | "ownerships",
  after: string,
  limit: number,
): Promise<{ items: DateBackfillItem[]; next: string | null }> {
  const values = { flowId, after, limit };
  const items: DateBackfillItem[] =
    over === "customers"
      ? (await t.all(customersPage, values)).map((r) => ({
          customer: toCustomer(unprefix<CustomerRecord>(r, "c_", customers)),
          ownership: null,
          schedule: joinedSchedule(r),
        }))
      : (await t.all(ownershipsPage, values)).map((r) => ({
          customer: toCustomer(unprefix<CustomerRecord>(r, "c_", customers)),
          ownership: toOwnership(unprefix<OwnershipRecord>(r, "o_", ownerships)),
          schedule: joinedSchedule(r),
        }));
  const last = items.at(-1);
  const next = items.length < limit || !last ? null : (last.ownership?.id ?? last.customer.id);
  return { items, next };
}

export async function listDueDateSchedules(
  t: Sql,
  flowIds: readonly string[],
  now: number,
  limit: number,
): Promise<DateScheduleRow[]> {
  if (flowIds.length === 0) return [];
  const rows = await t.all(
    adhoc<ScheduleRecord>(sql`
      select ${columnsOf(dateSchedules)} from ${dateSchedules}
      where next_at is not null and next_at <= ${now}
        and flow_id in (${sql.join(
          flowIds.map((id) => sql`${id}`),
          sql`, `,
        )})
      order by next_at limit ${limit}`),
  );
  return rows.map(toSchedule);
}

export async function getDateSchedule(t: Sql, key: string): Promise<DateScheduleRow | null> {
  const row = await t.get(scheduleByKey, { key });
  return row ? toSchedule(row) : null;
}

export async function fireDateSchedule(
  t: Sql,
  f: DateFiring,
  newId: () => string,
): Promise<{ applied: boolean; runs: RunRow[] }> {
  const moved = await t.run(f.fired ? moveFiredSchedule : moveSchedule, {
    key: f.key,
    expectedNextAt: f.expectedNextAt,
    nextAt: f.nextAt,
    triggerKey: f.triggerKey,
    now: f.now,
  });
  // Another worker (or an event's refresh) moved it first: it is theirs.
  if (moved === 0) return { applied: false, runs: [] };
  if (!f.start) return { applied: true, runs: [] };
  const { event, customerId, run } = f.start;
  await t.run(insertOccurrenceEvent, {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    now: f.now,
    customerEmail: event.customerEmail,
    payload: JSON.stringify(event.body),
    customerId,
  });
  const runs = await startRunsWithin(t, event.id, customerId, [run], f.now, newId);
  return { applied: true, runs };
}

export function dateScheduleStore(db: Database, newId: () => string): DateScheduleStore {
  return {
    dateScheduleSubject: (customerId) => db.read((t) => dateScheduleSubject(t, customerId)),
    upsertDateSchedules: async (rows, now) => {
      if (rows.length === 0) return;
      await db.tx((t) => upsertDateSchedules(t, rows, now));
    },
    dateBackfillPage: (flowId, over, after, limit) =>
      db.read((t) => dateBackfillPage(t, flowId, over, after, limit)),
    listDueDateSchedules: (flowIds, now, limit) =>
      db.read((t) => listDueDateSchedules(t, flowIds, now, limit)),
    fireDateSchedule: (firing) => db.tx((t) => fireDateSchedule(t, firing, newId)),
    getDateSchedule: (key) => db.read((t) => getDateSchedule(t, key)),
  };
}
