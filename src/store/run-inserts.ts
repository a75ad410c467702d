/**
 * Starting runs, shared by every way a run starts (events, broadcasts, date triggers).
 * Called inside the caller's transaction, on its handle.
 *
 * "Once" is held by the database: a run's entry key is unique, so a second insert for the
 * same key does nothing, whichever process tries. `entry: { at_most_once_in }` reads the
 * customer's latest start and then inserts; on Postgres the customer's row is locked
 * first (FOR UPDATE) so two transactions for one customer take turns at that decision.
 * SQLite needs no lock: BEGIN IMMEDIATE already lets one writer in at a time.
 */
import { sql } from "drizzle-orm";
import { toRun } from "./rows.js";
import { customers, events, flowRuns } from "./schema.js";
import { columnsOf } from "./sql/columns.js";
import type { Sql } from "./sql/handle.js";
import { query } from "./sql/query.js";
import { unnestArrays } from "./sql/unnest-arrays.js";
import type { NewRun, RunRow } from "./store.js";

const p = sql.placeholder;
type RunRecord = typeof flowRuns.$inferSelect;

const insertRun = query<RunRecord>(sql`
  insert into ${flowRuns}
    (id, flow_id, flow_version, customer_id, ownership_id, event_id, entry_key, state, status, wake_at, place, outcome,
     seq, created_at, updated_at)
  values (${p("id")}, ${p("flowId")}, ${p("flowVersion")}, ${p("customerId")}, ${p("ownershipId")}, ${p("eventId")},
    ${p("entryKey")}, ${p("state")}, ${p("status")}, ${p("wakeAt")}, ${p("place")}, ${p("outcome")}, 0, ${p("now")}, ${p("now")})
  on conflict (entry_key) do nothing
  returning ${columnsOf(flowRuns)}`);
// Postgres: many runs without an entry window (a broadcast's page) in one statement, arrays
// of one element per run so its text and prepared plan are the same whatever the count.
const insertRuns = query<RunRecord>(sql`
  insert into ${flowRuns}
    (id, flow_id, flow_version, customer_id, ownership_id, event_id, entry_key, state, status, wake_at, place, outcome,
     seq, created_at, updated_at)
  select r.id, r.flow_id, r.flow_version, r.customer_id, r.ownership_id, r.event_id, r.entry_key, r.state, r.status,
    r.wake_at, r.place, r.outcome, 0, ${p("now")}, ${p("now")}
  from unnest(cast(${p("ids")} as text[]), cast(${p("flowIds")} as text[]), cast(${p("flowVersions")} as text[]),
    cast(${p("customerIds")} as text[]), cast(${p("ownershipIds")} as text[]), cast(${p("eventIds")} as text[]),
    cast(${p("entryKeys")} as text[]), cast(${p("states")} as text[]), cast(${p("statuses")} as text[]),
    cast(${p("wakeAts")} as bigint[]), cast(${p("places")} as text[]), cast(${p("outcomes")} as text[]))
    with ordinality as r (id, flow_id, flow_version, customer_id, ownership_id, event_id, entry_key, state, status,
      wake_at, place, outcome, n)
  order by r.n
  on conflict (entry_key) do nothing
  returning ${columnsOf(flowRuns)}`);
const latestStart = query<{ at: number | null }>(sql`
  select max(created_at) as at from ${flowRuns}
  where flow_id = ${p("flowId")} and customer_id = ${p("customerId")}`);
const lockCustomer = query(sql`select id from ${customers} where id = ${p("customerId")} for update`);
// Its first processing: the event was only received, so no earlier attempt left runs of it.
const markReceivedEventProcessed = query(sql`
  update ${events} set status = 'processed', processed_at = ${p("now")}, customer_id = ${p("customerId")}, error = null
  where id = ${p("eventId")} and status = 'received'`);
const markEventProcessed = query(sql`
  update ${events} set status = 'processed', processed_at = ${p("now")}, customer_id = ${p("customerId")}, error = null
  where id = ${p("eventId")}`);
const unstartedRuns = query<RunRecord>(sql`
  select ${columnsOf(flowRuns)} from ${flowRuns} where event_id = ${p("eventId")} and seq = 0`);

/**
 * entry: { at_most_once_in }: whether the customer's latest run of the flow is older than
 * the window (always true for other rules).
 */
export async function entryWindowOpen(t: Sql, run: NewRun, customerId: string): Promise<boolean> {
  if (run.notIfStartedAfter === undefined) return true;
  if (t.dialect === "postgres") await t.get(lockCustomer, { customerId });
  const last = (await t.get(latestStart, { flowId: run.flowId, customerId }))?.at ?? null;
  return last === null || last <= run.notIfStartedAfter;
}

/** A new run's own ids: the run's, its customer's and the event that starts it. */
export interface NewRunIds {
  id: string;
  customerId: string;
  eventId: string;
}

/**
 * Inserts a run unless its entry key exists or its entry window is closed; returns the
 * inserted run, or null.
 */
export async function insertRunIfNew(
  t: Sql,
  run: NewRun,
  ids: NewRunIds,
  now: number,
): Promise<RunRow | null> {
  if (!(await entryWindowOpen(t, run, ids.customerId))) return null;
  const inserted = await t.get(insertRun, { ...runValues(run, ids), now });
  return inserted ? toRun(inserted) : null;
}

/** A new run's columns, as insertRun names them (bar `now`). */
function runValues(run: NewRun, ids: NewRunIds): Record<string, unknown> {
  return {
    id: ids.id,
    flowId: run.flowId,
    flowVersion: run.flowVersion,
    customerId: ids.customerId,
    ownershipId: run.ownershipId,
    eventId: ids.eventId,
    entryKey: run.entryKey,
    state: JSON.stringify(run.state),
    status: run.state.status,
    place: JSON.stringify(run.state.cursor),
    outcome: run.state.outcome ?? null,
    wakeAt: run.state.wakeAt,
  };
}

/**
 * insertRunIfNew for each of `runs`, in order; returns those inserted. On Postgres the runs
 * without an entry window go in one statement (a broadcast's page: one round trip, not
 * one per owner); a run with one reads and locks first, so it goes on its own.
 */
export async function insertRunsIfNew(
  t: Sql,
  runs: Array<{ run: NewRun; ids: NewRunIds }>,
  now: number,
): Promise<RunRow[]> {
  const windowless = (r: { run: NewRun }) => r.run.notIfStartedAfter === undefined;
  const together = t.dialect === "postgres" ? runs.filter(windowless) : [];
  if (together.length <= 1) return insertEachIfNew(t, runs, now);
  const rows = await t.all(insertRuns, { ...runArrays(together), now });
  const inserted = [
    ...rows.map(toRun),
    ...(await insertEachIfNew(
      t,
      runs.filter((r) => !windowless(r)),
      now,
    )),
  ];
  // In the order asked for, as one insert after another would have given them.
  const order = new Map(runs.map((r, i) => [r.ids.id, i]));
  return inserted.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

async function insertEachIfNew(t: Sql, runs: Array<{ run: NewRun; ids: NewRunIds }>, now: number) {
  const inserted: RunRow[] = [];
  for (const { run, ids } of runs) {
    const row = await insertRunIfNew(t, run, ids, now);
    if (row) inserted.push(row);
  }
  return inserted;
}

function runArrays(runs: Array<{ run: NewRun; ids: NewRunIds }>): Record<string, unknown[]> {
  return unnestArrays(
    runs.map((r) => runValues(r.run, r.ids)),
    {
      ids: "id",
      flowIds: "flowId",
      flowVersions: "flowVersion",
      customerIds: "customerId",
      ownershipIds: "ownershipId",
      eventIds: "eventId",
      entryKeys: "entryKey",
      states: "state",
      statuses: "status",
      wakeAts: "wakeAt",
      places: "place",
      outcomes: "outcome",
    },
  );
}

/**
 * The runs an event starts, and the event marked processed. Returns every run of the
 * event not advanced yet (seq 0), so a retry re-queues what a crash left behind.
 *
 * When the event was only received before and every run was inserted here, those runs are
 * all of them, and the select for runs an earlier attempt left is skipped (one round trip
 * fewer on Postgres). An earlier attempt that committed left the event processed (or failed,
 * after); one running beside this one holds the same entry keys, so an insert here comes
 * back empty.
 */
export async function startRunsWithin(
  t: Sql,
  eventId: string,
  customerId: string,
  runs: NewRun[],
  now: number,
  newId: () => string,
  /**
   * Whether the caller marked the received event processed already, in this transaction
   * (customers.ts, ingestMarkingEvent: true if it was only received until then); undefined:
   * it is marked here.
   */
  eventMarked?: boolean,
): Promise<RunRow[]> {
  const inserted = await insertRunsIfNew(
    t,
    runs.map((run) => ({ run, ids: { id: newId(), customerId, eventId } })),
    now,
  );
  const marked = { eventId, customerId, now };
  const firstProcessing = eventMarked ?? (await t.run(markReceivedEventProcessed, marked)) > 0;
  if (firstProcessing && inserted.length === runs.length) return inserted;
  if (!firstProcessing) await t.run(markEventProcessed, marked);
  return (await t.all(unstartedRuns, { eventId })).map(toRun);
}
