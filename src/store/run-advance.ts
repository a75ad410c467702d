/**
 * One step of a run, written at once: the run's new state, its history, tag / untag /
 * set on its customer and the messages it queued. Optimistic concurrency: the write
 * happens only if the run is still at the seq the step loaded (a conditional update),
 * so a step job that runs twice, or two workers racing on one run, apply each step once.
 */
import { sql } from "drizzle-orm";
import { changeTags } from "../flows/tags.js";
import type { MessageCategory } from "../flows/types.js";
import { toMessage, toRun } from "./rows.js";
import { customers, flowRuns, messages, runSteps } from "./schema.js";
import { columnsOf, unprefix } from "./sql/columns.js";
import type { Database, Sql } from "./sql/handle.js";
import { adhoc, type Query, query } from "./sql/query.js";
import type { AdvanceOutcome, CustomerChanges, MessageRow, NewMessage, RunAdvance, RunRow } from "./store.js";

type RunRecord = typeof flowRuns.$inferSelect;
const p = sql.placeholder;

const advanceRun = query<RunRecord>(sql`
  update ${flowRuns} set state = ${p("state")}, status = ${p("status")}, wake_at = ${p("wakeAt")},
    place = ${p("place")}, outcome = ${p("outcome")},
    seq = ${p("nextSeq")}, updated_at = ${p("now")}, completed_at = ${p("completedAt")}, error = ${p("error")},
    flow_version = coalesce(${p("flowVersion")}, flow_version)
  where id = ${p("runId")} and seq = ${p("expectedSeq")}
  returning ${columnsOf(flowRuns)}`);
const runById = query<RunRecord>(sql`select ${columnsOf(flowRuns)} from ${flowRuns} where id = ${p("id")}`);
/** Most history rows one kept insert takes; an advance writes a handful (more: an insert per call). */
const KEPT_STEP_ROWS = 16;
const insertStepsByCount = new Map<number, Query<unknown>>();
/**
 * One insert for all of an advance's history rows: on Postgres each statement is a round
 * trip, and an advance writes one row per step it passed (a send and a wait: two).
 */
function insertSteps(rows: number): Query<unknown> {
  const kept = insertStepsByCount.get(rows);
  if (kept) return kept;
  const values = Array.from(
    { length: rows },
    (_, i) =>
      sql`(${p("runId")}, ${p("seq")}, ${p(`stepId${i}`)}, ${p(`stepType${i}`)}, ${p(`at${i}`)}, ${p(`detail${i}`)})`,
  );
  const text = sql`insert into ${runSteps} (run_id, seq, step_id, step_type, at, detail) values ${sql.join(values, sql`, `)}`;
  if (rows > KEPT_STEP_ROWS) return adhoc(text);
  const q = query(text);
  insertStepsByCount.set(rows, q);
  return q;
}
/** The VALUES rows of an advance's history, typed (a VALUES list in a CTE takes no types from a table). */
function historyValues(rows: number) {
  const values = Array.from(
    { length: rows },
    (_, i) =>
      sql`(cast(${p(`stepId${i}`)} as text), cast(${p(`stepType${i}`)} as text), cast(${p(`at${i}`)} as bigint), cast(${p(`detail${i}`)} as text))`,
  );
  return sql.join(values, sql`, `);
}
/** The CTEs `moved` (advanceRun) and `history` (its rows, inserted only if the update took). */
function movedWithHistory(rows: number) {
  return sql`
    with moved as (${advanceRun.sql}),
    history as (
      insert into ${runSteps} (run_id, seq, step_id, step_type, at, detail)
      select moved.id, moved.seq, v.step_id, v.step_type, v.at, v.detail
      from moved, (values ${historyValues(rows)}) as v (step_id, step_type, at, detail)
    )`;
}
const advanceWithHistoryByCount = new Map<number, Query<RunRecord>>();
/**
 * Postgres: the run's update and its history rows in one statement (a writable CTE), so an
 * advance that writes nothing else needs no transaction of its own: one round trip instead
 * of four (BEGIN, update, insert, COMMIT); inside a transaction (an advance that also sends
 * or changes the customer), one instead of two. The rows are inserted only if the update took.
 */
function advanceWithHistory(rows: number): Query<RunRecord> {
  const kept = advanceWithHistoryByCount.get(rows);
  if (kept) return kept;
  const text = sql`${movedWithHistory(rows)} select * from moved`;
  if (rows > KEPT_STEP_ROWS) return adhoc(text);
  const q = query<RunRecord>(text);
  advanceWithHistoryByCount.set(rows, q);
  return q;
}

const advanceWithMessageByCount = new Map<number, Query<RunRecord & Record<string, unknown>>>();
/**
 * Postgres: advanceWithHistory and the step's one message (insertMessage) in one statement,
 * a round trip fewer for every step that sends (a thank-you: the run's first step). The
 * message is inserted only if the update took; its columns come back beside the run's
 * under "m_", null when its dedupe key was taken already. The message's parameters are
 * insertMessage's (messageFields), the run's advanceRun's. They are cast: in an
 * INSERT … SELECT, Postgres does not type them from the target columns.
 */
function advanceWithMessage(rows: number): Query<RunRecord & Record<string, unknown>> {
  const kept = advanceWithMessageByCount.get(rows);
  if (kept) return kept;
  const text = sql`${movedWithHistory(rows)},
    sent as (
      insert into ${messages} (id, dedupe_key, run_id, step_id, flow_id, customer_id, ownership_id, event_id,
        template, audience, to_address, channel, transactional, category, topic, message_id_header, in_reply_to,
        created_at, updated_at)
      select cast(${p("id")} as text), cast(${p("dedupeKey")} as text), moved.id, cast(${p("stepId")} as text),
        moved."flowId", moved."customerId", moved."ownershipId", moved."eventId",
        cast(${p("template")} as text), cast(${p("audience")} as text),
        coalesce(cast(${p("toAddress")} as text), (select case when cast(${p("channel")} as text) = 'sms'
          then coalesce(phone, '') else email end from ${customers} where id = moved."customerId")),
        cast(${p("channel")} as text), cast(${p("transactional")} as boolean), cast(${p("category")} as text),
        cast(${p("topic")} as text), cast(${p("messageIdHeader")} as text), cast(${p("inReplyTo")} as text),
        cast(${p("now")} as bigint), cast(${p("now")} as bigint)
      from moved
      on conflict (dedupe_key) do nothing
      returning ${columnsOf(messages, "m_")}
    )
    select moved.*, sent.* from moved left join sent on true`;
  if (rows > KEPT_STEP_ROWS) return adhoc(text);
  const q = query<RunRecord & Record<string, unknown>>(text);
  advanceWithMessageByCount.set(rows, q);
  return q;
}

const customerTags = query<{ tags: string; attributes: string }>(sql`
  select tags, attributes from ${customers} where id = ${p("id")}`);
// Postgres: the tags are read, changed and written back under the row's lock, so two
// runs of one customer tagging at once both land.
const customerTagsForUpdate = query<{ tags: string; attributes: string }>(sql`
  select tags, attributes from ${customers} where id = ${p("id")} for update`);
const setCustomer = query(sql`
  update ${customers} set tags = ${p("tags")}, attributes = ${p("attributes")}, updated_at = ${p("now")}
  where id = ${p("id")}`);
// The dedupe key (run:seq:step) keeps a step's message single even if the step were
// written twice; the conditional update above already sees to that. The address is as
// given (a note to the team), else the customer's as now: the phone for an SMS ('' when
// none: held back when due), else the email, read in the insert (no round trip of its own).
const insertMessage = query<typeof messages.$inferSelect>(sql`
  insert into ${messages} (id, dedupe_key, run_id, step_id, flow_id, customer_id, ownership_id, event_id,
    template, audience, to_address, channel, transactional, category, topic, message_id_header, in_reply_to,
    created_at, updated_at)
  values (${p("id")}, ${p("dedupeKey")}, ${p("runId")}, ${p("stepId")}, ${p("flowId")}, ${p("customerId")},
    ${p("ownershipId")}, ${p("eventId")}, ${p("template")}, ${p("audience")},
    coalesce(${p("toAddress")}, (select case when cast(${p("channel")} as text) = 'sms' then coalesce(phone, '') else email end
      from ${customers} where id = ${p("customerId")})),
    ${p("channel")},
    ${p("transactional")}, ${p("category")}, ${p("topic")}, ${p("messageIdHeader")}, ${p("inReplyTo")},
    ${p("now")}, ${p("now")})
  on conflict (dedupe_key) do nothing
  returning ${columnsOf(messages)}`);

/** A message's category: as given, else transactional for transactional ones and notes to the team. */
function categoryOf(m: NewMessage): MessageCategory {
  if (m.category) return m.category;
  return m.transactional || m.audience === "team" ? "transactional" : "relationship";
}

async function changeCustomer(t: Sql, customerId: string, changes: CustomerChanges, now: number) {
  const read = t.dialect === "postgres" ? customerTagsForUpdate : customerTags;
  const row = await t.get(read, { id: customerId });
  if (!row) throw new Error(`customer ${customerId} is missing`);
  const tags = changeTags(JSON.parse(row.tags) as string[], {
    add: changes.addTags,
    remove: changes.removeTags,
  });
  const attributes = { ...(JSON.parse(row.attributes) as Record<string, unknown>), ...changes.attributes };
  await t.run(setCustomer, {
    id: customerId,
    tags: JSON.stringify(tags),
    attributes: JSON.stringify(attributes),
    now,
  });
}

/** The values of advanceRun: the run's new columns, and the seq the advance expects it at. */
export function runAdvanceValues(a: RunAdvance): Record<string, unknown> {
  const done = a.state.status === "completed" || a.state.status === "failed";
  return {
    runId: a.runId,
    expectedSeq: a.expectedSeq,
    state: JSON.stringify(a.state),
    status: a.state.status,
    place: JSON.stringify(a.state.cursor),
    outcome: a.state.outcome ?? null,
    wakeAt: a.state.wakeAt,
    nextSeq: a.expectedSeq + 1,
    now: a.now,
    completedAt: done ? a.now : null,
    error: a.error ?? null,
    flowVersion: a.flowVersion || null,
    seq: a.expectedSeq + 1,
  };
}

/** The values of advanceRun and of advanceWithHistory (the history rows' too). */
function advanceValues(a: RunAdvance): Record<string, unknown> {
  const values = runAdvanceValues(a);
  a.steps.forEach((step, i) => {
    values[`stepId${i}`] = step.stepId;
    values[`stepType${i}`] = step.stepType;
    values[`at${i}`] = step.at;
    values[`detail${i}`] = step.detail;
  });
  return values;
}

/** An advance that writes only the run and its history, if any (Postgres runs it as one statement). */
export const writesOnlyTheRun = (a: RunAdvance) => !a.customer && a.messages.length === 0;

/**
 * advanceWithHistory (or, with no history, advanceRun) on its own, no transaction: see
 * there. Resolves to the run as updated, or undefined when it was not at the expected seq.
 */
export function writeRunOnlyAdvance(
  db: { writeReturning: Database["writeReturning"] },
  a: RunAdvance,
): Promise<RunRecord | undefined> {
  const statement = a.steps.length > 0 ? advanceWithHistory(a.steps.length) : advanceRun;
  return db.writeReturning(statement, advanceValues(a));
}

/** A message's own values, as insertMessage and advanceWithMessage name them (none is also an advance's). */
function messageFields(a: RunAdvance, m: NewMessage) {
  return {
    id: m.id,
    dedupeKey: `${a.runId}:${a.expectedSeq}:${m.stepId}`,
    stepId: m.stepId,
    template: m.template,
    audience: m.audience ?? "customer",
    toAddress: m.toAddress ?? null,
    channel: m.channel ?? "email",
    transactional: Boolean(m.transactional),
    category: categoryOf(m),
    topic: m.topic ?? null,
    messageIdHeader: m.messageIdHeader,
    inReplyTo: m.inReplyTo ?? null,
  };
}

/** The values of insertMessage for one of an advance's messages, the run's ids as it was updated. */
function messageValues(
  a: RunAdvance,
  m: NewMessage,
  run: Pick<RunRow, "flowId" | "customerId" | "ownershipId" | "eventId">,
) {
  const { flowId, customerId, ownershipId, eventId } = run;
  return { ...messageFields(a, m), runId: a.runId, flowId, customerId, ownershipId, eventId, now: a.now };
}

/** Writes one step if the run is still at `a.expectedSeq`; the caller holds the transaction. */
export async function applyAdvance(t: Sql, a: RunAdvance): Promise<AdvanceOutcome> {
  const values = advanceValues(a);
  // Postgres: the run's update and its history rows in one statement, and a step's one
  // message in it too (a round trip each fewer); SQLite: a statement each, no round trips to save.
  const historyInUpdate = t.dialect === "postgres" && a.steps.length > 0;
  const only = historyInUpdate && a.messages.length === 1 ? a.messages[0] : undefined;
  const updated = only
    ? await t.get(advanceWithMessage(a.steps.length), { ...values, ...messageFields(a, only) })
    : await t.get(historyInUpdate ? advanceWithHistory(a.steps.length) : advanceRun, values);
  if (!updated) {
    const current = await t.get(runById, { id: a.runId });
    return { applied: false, run: current ? toRun(current) : null };
  }
  // The joined row holds the message's columns too: the run is read from it by its own keys.
  const run = toRun(only ? unprefix<RunRecord>(updated, "", flowRuns) : updated);
  if (a.steps.length > 0 && !historyInUpdate) await t.run(insertSteps(a.steps.length), values);
  if (a.customer) await changeCustomer(t, run.customerId, a.customer, a.now);
  const created: MessageRow[] = [];
  if (only) {
    // Null columns: the message of this step was queued already (and handed out then).
    const joined = updated as Record<string, unknown>;
    if (joined.m_id != null) created.push(toMessage(unprefix(joined, "m_", messages)));
    return { applied: true, run, messages: created };
  }
  for (const m of a.messages) {
    const row = await t.get(insertMessage, messageValues(a, m, run));
    // Nothing inserted: the message of this step is already queued (and was handed out then).
    if (row) created.push(toMessage(row));
  }
  return { applied: true, run, messages: created };
}
