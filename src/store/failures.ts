/**
 * Work whose attempts ran out, and bringing it back by hand. The jobs mark a row failed
 * with the reason when its last attempt fails (jobs/exhausted.ts); the sweeper never
 * lists failed rows; `rapport retry` puts them back to their first state.
 *
 * Each mark changes a row only in the state the job found it in (a conditional update;
 * for a run, a read under the run's row lock), so whichever process gets there first
 * changes it and the others find it changed (the failure is logged once).
 */
import { sql } from "drizzle-orm";
import type { RunState } from "../flows/types.js";
import { events, flowRuns, inboundMessages, messages } from "./schema.js";
import type { Database, Sql } from "./sql/handle.js";
import { adhoc, query } from "./sql/query.js";
import type { FailedInbound, FailedKind, FailureStore } from "./store.js";

const p = sql.placeholder;

const defer = query(sql`
  update ${messages} set not_before = ${p("notBefore")}, error = ${p("reason")}, updated_at = ${p("now")}
  where id = ${p("id")} and status = 'queued'`);

/** Postgres: the run's row lock, so a step applied meanwhile is not overwritten with the state read here. */
const lockRun = query(sql`select id from ${flowRuns} where id = ${p("id")} for update`);
const runState = query<{ state: string; status: string }>(sql`
  select state, status from ${flowRuns} where id = ${p("id")}`);
// seq moves on too: a step that loaded the run before it failed finds it moved and writes
// nothing, instead of bringing it back to life with the state it read.
const failRunQuery = query(sql`
  update ${flowRuns} set state = ${p("state")}, status = 'failed', wake_at = null, error = ${p("error")},
    updated_at = ${p("now")}, completed_at = ${p("now")}, seq = seq + 1
  where id = ${p("id")}`);

/**
 * Only a message still being received, or one the job itself failed without naming a
 * customer yet (too large): one processed meanwhile keeps its outcome.
 */
const failInboundQuery = query(sql`
  update ${inboundMessages} set status = 'failed', error = ${p("error")}, processed_at = ${p("now")},
    failed_customer_id = ${p("customerId")}
  where id = ${p("id")}
    and (status = 'received' or (status = 'failed' and failed_customer_id is null))`);

/** Only an event still waiting to be processed. */
const failEventQuery = query(sql`
  update ${events} set status = 'failed', error = ${p("error")}, processed_at = ${p("now")}
  where id = ${p("id")} and status = 'received'`);

const failedIds = {
  messages: query<{ id: string }>(sql`
    select id from ${messages} where status = 'failed' order by id limit ${p("limit")}`),
  events: query<{ id: string }>(sql`
    select id from ${events} where status = 'failed' order by id limit ${p("limit")}`),
  inbound: query<{ id: string }>(sql`
    select id from ${inboundMessages} where status = 'failed' order by id limit ${p("limit")}`),
};

const failedInbound = query<{
  id: string;
  receivedAt: number;
  envelopeFrom: string | null;
  error: string | null;
}>(sql`
  select id, received_at as "receivedAt", envelope_from as "envelopeFrom", error from ${inboundMessages}
  where failed_customer_id = ${p("customerId")} and status = 'failed'
  order by received_at`);

/** A run whose step used up its attempts: failed with the reason, unless it has finished already. */
export async function failRun(t: Sql, id: string, error: string, now: number): Promise<boolean> {
  if (t.dialect === "postgres") await t.get(lockRun, { id });
  const row = await t.get(runState, { id });
  if (!row || row.status === "completed" || row.status === "failed") return false;
  const state = { ...(JSON.parse(row.state) as RunState), status: "failed", wakeAt: null };
  await t.run(failRunQuery, { id, state: JSON.stringify(state), error, now });
  return true;
}

/**
 * Puts failed rows back to their first state (messages: queued, with any retry backoff
 * cleared; events and inbound mail: received). Returns the ids changed; the caller
 * queues them. A message already sent, or being sent, is not touched.
 */
export async function resetFailed(
  t: Sql,
  kind: FailedKind,
  ids: readonly string[],
  now: number,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const list = sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );
  const reset = {
    messages: sql`
      update ${messages} set status = 'queued', not_before = null, lease_until = null, updated_at = ${now},
        retried_at = ${now}
      where id in (${list}) and status not in ('sent', 'sending', 'suppressed')
      returning id`,
    events: sql`
      update ${events} set status = 'received', error = null, processed_at = null
      where id in (${list}) and status = 'failed'
      returning id`,
    inbound: sql`
      update ${inboundMessages} set status = 'received', error = null, processed_at = null, failed_customer_id = null
      where id in (${list}) and status = 'failed'
      returning id`,
  }[kind];
  return (await t.all(adhoc<{ id: string }>(reset))).map((r) => r.id);
}

/** Inbound mail that could not be understood, attributed to this customer: for their timeline. */
export async function failedInboundOf(t: Sql, customerId: string): Promise<FailedInbound[]> {
  return (await t.all(failedInbound, { customerId })).map((r) => ({ ...r, error: r.error ?? "failed" }));
}

export function failureStore(db: Database): FailureStore {
  const changed = async (q: typeof defer, values: Record<string, unknown>) => (await db.write(q, values)) > 0;
  return {
    deferMessage: (id, notBefore, reason, now) => changed(defer, { id, notBefore, reason, now }),
    failRun: (id, error, now) => db.tx((t) => failRun(t, id, error, now)),
    failEvent: (id, error, now) => changed(failEventQuery, { id, error, now }),
    failInbound: (id, error, customerId, now) => changed(failInboundQuery, { id, error, customerId, now }),
    listFailed: (kind, limit) =>
      db.read(async (t) => (await t.all(failedIds[kind], { limit })).map((r) => r.id)),
    resetFailed: (kind, ids, now) => db.tx((t) => resetFailed(t, kind, ids, now)),
  };
}
