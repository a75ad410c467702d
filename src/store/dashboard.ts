/**
 * What the operator's dashboard (/ui) reads: run counts per flow and step, the inbox of
 * replies waiting for a person, failed work, customers by email. Written for 100,000
 * customers and more: lists are keyset-paginated (newest first, "older than this row")
 * on indexes (interactions_inbox, messages_status_updated, events_status_received,
 * inbound_status_received, customers' unique email); the flow counts are one aggregate
 * over the covering index flow_runs_place (every run's entry, but no row).
 *
 * Keyset conditions read `t <= at and (t < at or id < id)`: the `t <= at` term is what
 * lets the planner start the index range at the cursor (an OR alone would scan from the top).
 */
import { sql } from "drizzle-orm";
import type { RunStatus } from "../flows/types.js";
import {
  customers,
  events,
  flowRuns,
  inboundMessages,
  interactions,
  messages,
  ownerships,
  products,
} from "./schema.js";
import type { Database } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type { CustomerHit, DashboardStore, FailureItem, InboxItem, Page, PageCursor } from "./store.js";

const p = sql.placeholder;

/** The first page: older than anything. */
const START: PageCursor = { at: Number.MAX_SAFE_INTEGER, id: "" };

// Counts come back as bigint text from Postgres: cast, then Number() for either driver.
// place and outcome are the state's cursor and outcome, kept in columns so this reads
// only the covering index flow_runs_place.
const runCounts = query<{
  flowId: string;
  flowVersion: string;
  status: RunStatus;
  place: string | null;
  outcome: string | null;
  runs: number;
}>(sql`
  select flow_id as "flowId", flow_version as "flowVersion", status, place, outcome,
    cast(count(*) as integer) as "runs"
  from ${flowRuns} group by flow_id, flow_version, status, place, outcome`);

const repliesByFlow = query<{ flowId: string; replies: number }>(sql`
  select r.flow_id as "flowId", cast(count(*) as integer) as "replies"
  from ${interactions} i join ${flowRuns} r on r.id = i.run_id
  where i.kind = 'human_reply' group by r.flow_id`);

/**
 * The inbox condition is written exactly as the partial index interactions_inbox's (per
 * dialect: SQLite's booleans are 0/1): SQLite uses a partial index only for a query whose
 * WHERE contains the index's terms as written.
 */
const waiting = {
  sqlite: sql`handled_at is null and (kind = 'human_reply' or to_owner_address = 1)`,
  postgres: sql`handled_at is null and (kind = 'human_reply' or to_owner_address = true)`,
};

const inboxPage = (cond: typeof waiting.sqlite) =>
  query<InboxItem>(sql`
  select i.id, i.kind, i.to_owner_address as "toOwnerAddress", i.from_address as "fromAddress",
    i.subject, i.text, i.occurred_at as "occurredAt",
    c.email as "customerEmail", c.name as "customerName", pr.name as "productName", pr.sku as "productSku",
    m.subject as "messageSubject", m.template as "messageTemplate", coalesce(m.flow_id, r.flow_id) as "flowId"
  from (select * from ${interactions} where ${cond}
          and occurred_at <= ${p("at")} and (occurred_at < ${p("at")} or id < ${p("id")})
        order by occurred_at desc, id desc limit ${p("limit")}) i
  left join ${customers} c on c.id = i.customer_id
  left join ${ownerships} o on o.id = i.ownership_id
  left join ${products} pr on pr.id = o.product_id
  left join ${messages} m on m.id = i.message_id
  left join ${flowRuns} r on r.id = i.run_id
  order by i.occurred_at desc, i.id desc`);
const inboxQueries = { sqlite: inboxPage(waiting.sqlite), postgres: inboxPage(waiting.postgres) };
const inboxCount = {
  sqlite: query<{ n: number }>(
    sql`select cast(count(*) as integer) as n from ${interactions} where ${waiting.sqlite}`,
  ),
  postgres: query<{ n: number }>(
    sql`select cast(count(*) as integer) as n from ${interactions} where ${waiting.postgres}`,
  ),
};

/** Only one still waiting: a second click (or a second person) changes nothing. */
const markHandled = {
  sqlite: query(
    sql`update ${interactions} set handled_at = ${p("now")} where id = ${p("id")} and ${waiting.sqlite}`,
  ),
  postgres: query(
    sql`update ${interactions} set handled_at = ${p("now")} where id = ${p("id")} and ${waiting.postgres}`,
  ),
};

const failedPages = {
  messages: query<FailureItem>(sql`
    select 'messages' as "kind", f.id, f.updated_at as "at", f.template as "what", f.error, c.email as "customerEmail"
    from (select id, updated_at, template, error, customer_id from ${messages}
          where status = 'failed'
            and updated_at <= ${p("at")} and (updated_at < ${p("at")} or id < ${p("id")})
          order by updated_at desc, id desc limit ${p("limit")}) f
    left join ${customers} c on c.id = f.customer_id
    order by f.updated_at desc, f.id desc`),
  events: query<FailureItem>(sql`
    select 'events' as "kind", f.id, f.received_at as "at", f.type as "what", f.error, c.email as "customerEmail"
    from (select id, received_at, type, error, customer_id from ${events}
          where status = 'failed'
            and received_at <= ${p("at")} and (received_at < ${p("at")} or id < ${p("id")})
          order by received_at desc, id desc limit ${p("limit")}) f
    left join ${customers} c on c.id = f.customer_id
    order by f.received_at desc, f.id desc`),
  inbound: query<FailureItem>(sql`
    select 'inbound' as "kind", f.id, f.received_at as "at",
      coalesce(f.envelope_from, '(no sender)') as "what", f.error, c.email as "customerEmail"
    from (select id, received_at, envelope_from, error, failed_customer_id from ${inboundMessages}
          where status = 'failed'
            and received_at <= ${p("at")} and (received_at < ${p("at")} or id < ${p("id")})
          order by received_at desc, id desc limit ${p("limit")}) f
    left join ${customers} c on c.id = f.failed_customer_id
    order by f.received_at desc, f.id desc`),
};

/** Emails from `from` up to (not including) `to`: a prefix as a range, which the unique index on email serves. */
const customersByPrefix = query<CustomerHit>(sql`
  select id, email, name from ${customers}
  where email >= ${p("from")} and email > ${p("after")} and email < ${p("to")}
  order by email limit ${p("limit")}`);

/** The smallest text after every text starting with `prefix`. */
function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}

function pageOf<T extends { id: string }>(rows: T[], limit: number, at: (row: T) => number): Page<T> {
  const last = rows[rows.length - 1];
  return { items: rows, next: rows.length === limit && last ? { at: at(last), id: last.id } : null };
}

export function dashboardStore(db: Database): DashboardStore {
  return {
    flowRunCounts: () =>
      db.read(async (t) =>
        (await t.all(runCounts)).map(({ place, ...r }) => ({
          ...r,
          // A failed run's place says nothing about where runs are now.
          cursor: place === null || r.status === "failed" ? null : (JSON.parse(place) as number[]),
          runs: Number(r.runs),
        })),
      ),
    repliesByFlow: () =>
      db.read(async (t) => (await t.all(repliesByFlow)).map((r) => ({ ...r, replies: Number(r.replies) }))),
    inbox: (cursor, limit) =>
      db.read(async (t) => {
        const from = cursor ?? START;
        const rows = await t.all(inboxQueries[t.dialect], { at: from.at, id: from.id, limit });
        const items = rows.map((r) => ({
          ...r,
          toOwnerAddress: Boolean(r.toOwnerAddress),
          occurredAt: Number(r.occurredAt),
        }));
        return pageOf(items, limit, (r) => r.occurredAt);
      }),
    inboxCount: () => db.read(async (t) => Number((await t.get(inboxCount[t.dialect]))?.n ?? 0)),
    markHandled: (id, now) => db.tx(async (t) => (await t.run(markHandled[t.dialect], { id, now })) > 0),
    failures: (kind, cursor, limit) =>
      db.read(async (t) => {
        const from = cursor ?? START;
        const rows = await t.all(failedPages[kind], { at: from.at, id: from.id, limit });
        return pageOf(
          rows.map((r) => ({ ...r, at: Number(r.at) })),
          limit,
          (r) => r.at,
        );
      }),
    findCustomers: (prefix, limit, after = "") =>
      db.read((t) =>
        t.all(customersByPrefix, {
          from: prefix.toLowerCase(),
          after,
          to: prefixEnd(prefix.toLowerCase()),
          limit,
        }),
      ),
  };
}
