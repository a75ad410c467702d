/**
 * The send ledger. A delivery claims its row with one conditional UPDATE (atomic in
 * any SQL database, across processes: on Postgres a second claimant blocks on the row
 * and then finds the condition false), sends, then marks the row sent. A row found
 * 'sending' with a live lease belongs to another attempt and is left alone; one whose
 * lease ran out was abandoned by a killed worker and may be claimed again.
 *
 * Taking over such a claim counts an uncertain attempt: the abandoned attempt may have
 * reached the SMTP server before its process died or stalled, so if this one is sent too
 * the recipient may have the message twice (same Message-ID). The timeline says so, and
 * countPossibleDuplicates counts them.
 *
 * The frequency cap (relationshipSendTimes) counts the customer's other claims taken
 * before this one. "Before" is the order of (lease_until, id), and that order must be
 * the order in which the claims were taken, or two claims can each miss the other:
 * claim A commits, A reads the send times before claim B commits (so A cannot see B),
 * then B reads and sees A, but if B's key sorts below A's (same millisecond on two
 * processes and a smaller id, or a clock behind) B does not count A either, and both
 * go out over the cap. So the claims of one customer's relationship messages take turns
 * (SQLite: BEGIN IMMEDIATE, one writer; Postgres: the customer's row lock, FOR UPDATE)
 * and each claim's lease is set past every other live claim of the customer's: 1 ms after
 * the latest of them when that one's is not earlier already (two claims in the same
 * millisecond, a clock behind another machine's). The keys then rise in the order the
 * claims committed: a claim sees every claim before it, and none after it counts it.
 * The id only breaks ties this leaves none of (claims made before the rule existed).
 * A lease a few ms longer only delays the takeover of a claim whose process died.
 */
import { type SQL, sql, type Table } from "drizzle-orm";
import { refusalStatus } from "../mail/refusal.js";
import { toCustomer, toEvent, toMessage, toOwnership, toProduct } from "./rows.js";
import {
  customers,
  events,
  interactions,
  messages,
  ownerships,
  products,
  smsSuppressions,
  suppressions,
} from "./schema.js";
import { callBatcher, inKeyOrder } from "./sql/call-batch.js";
import { columnsOf, unprefix } from "./sql/columns.js";
import type { Database, Sql } from "./sql/handle.js";
import { adhoc, query } from "./sql/query.js";
import { unnestArrays } from "./sql/unnest-arrays.js";
import { writeBatcher } from "./sql/write-batch.js";
import type {
  ClaimOutcome,
  DeliveryContext,
  MessageRow,
  OutboxStore,
  SendRefusal,
  SmsDeliveryStatus,
  SmsSuppressionRow,
  SuppressionRow,
} from "./store.js";

type MessageRecord = typeof messages.$inferSelect;
const p = sql.placeholder;

/** The columns that make a message one of the customer's relationship messages (what the cap counts). */
const relationship = (table: "messages" | "o") =>
  table === "messages"
    ? sql`${messages}.audience = 'customer' and ${messages}.transactional = ${p("no")}`
    : sql`o.audience = 'customer' and o.transactional = ${p("no")}`;

const messageById = query<MessageRecord>(
  sql`select ${columnsOf(messages)} from ${messages} where id = ${p("id")}`,
);

/** Postgres: the customer's row lock, taken only for a relationship message (see the top). */
const lockRelationshipCustomer = query(sql`
  select ${customers}.id from ${customers}
  join ${messages} on ${messages}.customer_id = ${customers}.id
  where ${messages}.id = ${p("id")} and ${relationship("messages")}
  for update of ${customers}`);

/**
 * One conditional update. SET reads the row as it was before the update: 'sending'
 * there means a lapsed claim taken over (an uncertain attempt). The lease of a
 * relationship message is set past the customer's other live claims (see the top).
 */
const claim = query<MessageRecord>(sql`
  update ${messages} set
    status = 'sending',
    lease_until = coalesce((
      select max(o.lease_until) + 1 from ${messages} o
      where o.customer_id = ${messages}.customer_id and o.id <> ${messages}.id
        and o.status = 'sending' and o.lease_until >= ${p("leaseUntil")}
        and ${relationship("o")} and ${relationship("messages")}
    ), ${p("leaseUntil")}),
    updated_at = ${p("now")},
    attempts = attempts + 1,
    uncertain_attempts = uncertain_attempts + (case when status = 'sending' then 1 else 0 end)
  where id = ${p("id")}
    and (status = 'queued' or (status = 'sending' and lease_until < ${p("now")}))
  returning ${columnsOf(messages)}`);

/** A message with all a send reads beside it, from `source` (the table, or the claim's returned row). */
const contextOf = (source: SQL) => sql`
  select ${columnsOf(messages, "m_")}, ${columnsOf(customers, "c_")}, ${columnsOf(ownerships, "o_")},
    ${columnsOf(products, "p_")}, ${columnsOf(events, "e_")}, ${columnsOf(suppressions, "s_")},
    ${columnsOf(smsSuppressions, "ss_")}
  from ${source}
  left join ${customers} on ${customers}.id = ${messages}.customer_id
  left join ${ownerships} on ${ownerships}.id = ${messages}.ownership_id
  left join ${products} on ${products}.id = ${ownerships}.product_id
  left join ${events} on ${events}.id = ${messages}.event_id
  left join ${suppressions} on ${suppressions}.email = lower(${messages}.to_address)
  left join ${smsSuppressions} on ${smsSuppressions}.phone = ${customers}.phone`;
/**
 * The claim of a message outside the frequency cap (transactional, or to the team): the
 * same update, taken only when the message is not a relationship one. It needs no turn
 * among the customer's claims, so on Postgres it runs on its own, without BEGIN, the
 * customer's lock and COMMIT, and returns the claimed row with what the send reads beside
 * it (deliveryContext's select, on the row as claimed): one round trip instead of five.
 */
const claimUncappedWithContext = query<Record<string, unknown>>(sql`
  with claimed as (
    update ${messages} set
      status = 'sending',
      lease_until = ${p("leaseUntil")},
      updated_at = ${p("now")},
      attempts = attempts + 1,
      uncertain_attempts = uncertain_attempts + (case when status = 'sending' then 1 else 0 end)
    where id = ${p("id")} and not (${relationship("messages")})
      and (status = 'queued' or (status = 'sending' and lease_until < ${p("now")}))
    returning *
  )
  ${contextOf(sql`claimed as ${messages}`)}`);

const markSentQuery = query(sql`
  update ${messages} set status = 'sent', subject = ${p("subject")}, smtp_response = ${p("smtpResponse")},
    sent_at = ${p("now")}, updated_at = ${p("now")}, lease_until = null, error = null
  where id = ${p("id")}`);

/**
 * claimUncappedWithContext for the messages claimed together (call-batch.ts): one
 * statement, each message with its own now and lease (arrays, one element per message).
 * A message not claimable so is simply not among the rows; its caller takes the full claim.
 */
const claimManyUncappedWithContext = query<Record<string, unknown>>(sql`
  with input as (
    select * from unnest(cast(${p("ids")} as text[]), cast(${p("nows")} as bigint[]),
      cast(${p("leases")} as bigint[])) as i (id, now, lease)
  ),
  claimed as (
    update ${messages} set
      status = 'sending',
      lease_until = i.lease,
      updated_at = i.now,
      attempts = ${messages}.attempts + 1,
      uncertain_attempts = ${messages}.uncertain_attempts + (case when ${messages}.status = 'sending' then 1 else 0 end)
    from input i
    where ${messages}.id = i.id and not (${relationship("messages")})
      and (${messages}.status = 'queued' or (${messages}.status = 'sending' and ${messages}.lease_until < i.now))
    returning ${messages}.*
  )
  ${contextOf(sql`claimed as ${messages}`)}`);

// Postgres: the sends marked together in one statement, arrays of one element per message.
const markManySentQuery = query(sql`
  update ${messages} set status = 'sent', subject = i.subject, smtp_response = i.smtp_response,
    sent_at = i.now, updated_at = i.now, lease_until = null, error = null
  from unnest(cast(${p("ids")} as text[]), cast(${p("subjects")} as text[]), cast(${p("smtpResponses")} as text[]),
    cast(${p("nows")} as bigint[])) as i (id, subject, smtp_response, now)
  where ${messages}.id = i.id`);

/** Most sends one statement marks or claims. */
const MAX_MARKS_PER_STATEMENT = 200;

interface SentMark {
  id: string;
  subject: string;
  smtpResponse: string;
  now: number;
}

/**
 * Marks sent, shared by the sends finishing together: on SQLite their statements in one
 * transaction (group commit: write-batch.ts), on Postgres one statement for all of them
 * (call-batch.ts: one round trip and one commit).
 */
function sentMarker(db: Database): (mark: SentMark) => Promise<unknown> {
  const alone = (m: SentMark) => db.write(markSentQuery, { ...m });
  if (db.dialect !== "postgres") {
    const inOneTransaction = writeBatcher(db, markSentQuery);
    return (m) => inOneTransaction({ ...m });
  }
  return callBatcher<SentMark, unknown>(
    async (unsorted) => {
      const marks = inKeyOrder(unsorted, (m) => m.id);
      await db.write(
        markManySentQuery,
        unnestArrays(marks, { ids: "id", subjects: "subject", smtpResponses: "smtpResponse", nows: "now" }),
      );
      return unsorted.map(() => undefined);
    },
    { max: MAX_MARKS_PER_STATEMENT, alone, keyOf: (m) => m.id },
  );
}

interface UncappedClaim {
  id: string;
  now: number;
  leaseUntil: number;
}

/**
 * Postgres: claims of messages outside the cap, made together, in one statement
 * (claimManyUncappedWithContext); a lone one as claimUncappedWithContext. Each resolves
 * with its claimed row and context, or undefined when the message was not claimable so.
 */
function uncappedClaimer(
  db: Database,
): (claim: UncappedClaim) => Promise<Record<string, unknown> | undefined> {
  return callBatcher<UncappedClaim, Record<string, unknown> | undefined>(
    async (claims) => {
      const sorted = inKeyOrder(claims, (c) => c.id);
      const rows = await db.writeReturningAll(claimManyUncappedWithContext, {
        ...unnestArrays(sorted, { ids: "id", nows: "now", leases: "leaseUntil" }),
        no: false,
      });
      const claimed = new Map(rows.map((r) => [r.m_id as string, r]));
      return claims.map((c) => claimed.get(c.id));
    },
    {
      max: MAX_MARKS_PER_STATEMENT,
      alone: (c) => db.writeReturning(claimUncappedWithContext, { ...c, no: false }),
      keyOf: (c) => c.id,
    },
  );
}

const release = query(sql`
  update ${messages} set status = 'queued', error = ${p("error")}, lease_until = null, updated_at = ${p("now")},
    uncertain_attempts = uncertain_attempts + ${p("uncertain")}
  where id = ${p("id")} and status = 'sending'`);

/**
 * The same, only while the claim is still the caller's (its lease unchanged): an attempt
 * that was frozen past its lease (SIGSTOP, a suspended VM) and fails on waking must not
 * give back the claim another attempt has taken over meanwhile. That would free the row
 * for a third attempt beside the second, which claims it as 'queued' and so would not
 * count the copy it may add as a possible duplicate.
 */
const releaseOwn = query(sql`
  update ${messages} set status = 'queued', error = ${p("error")}, lease_until = null, updated_at = ${p("now")},
    uncertain_attempts = uncertain_attempts + ${p("uncertain")}
  where id = ${p("id")} and status = 'sending' and lease_until = ${p("leaseUntil")}`);

const finish = query(sql`
  update ${messages} set status = ${p("status")}, error = ${p("error")}, lease_until = null, updated_at = ${p("now")}
  where id = ${p("id")}`);

const postpone = query(sql`
  update ${messages} set status = 'queued', not_before = ${p("notBefore")}, error = ${p("reason")},
    lease_until = null, updated_at = ${p("now")}
  where id = ${p("id")} and status = 'sending'`);

/** Postgres: the message's row lock, so two refusals of one message take turns (once per message). */
const lockMessage = query(sql`select id from ${messages} where id = ${p("id")} for update`);
const refusalRecorded = query<{ id: string }>(sql`
  select id from ${interactions}
  where message_id = ${p("id")} and inbound_id is null and kind = 'bounce'`);
const insertBounce = query(sql`
  insert into ${interactions} (id, inbound_id, kind, message_id_header, customer_id, ownership_id, message_id,
    run_id, attributed_by, to_owner_address, from_address, subject, text, detail, occurred_at, created_at)
  values (${p("id")}, null, 'bounce', null, ${p("customerId")}, ${p("ownershipId")}, ${p("messageId")},
    ${p("runId")}, 'smtp-refusal', ${p("no")}, null, null, ${p("text")}, ${p("detail")}, ${p("now")}, ${p("now")})`);
// An unsubscribe stops only non-transactional mail; a hard bounce stops all of it, so it
// takes the unsubscribe's place (another hard bounce or a complaint stays as it is).
const suppress = query(sql`
  insert into ${suppressions} (email, reason, interaction_id, created_at)
  values (${p("email")}, 'hard_bounce', ${p("interactionId")}, ${p("now")})
  on conflict (email) do update set
    reason = excluded.reason, interaction_id = excluded.interaction_id, created_at = excluded.created_at
  where ${suppressions}.reason = 'unsubscribe'`);

const possibleDuplicates = query<{ n: number }>(sql`
  select count(*) as n from ${messages} where status = 'sent' and uncertain_attempts > 0`);

// One query instead of five: the delivery job asks this for every message.
const context = query<Record<string, unknown>>(
  sql`${contextOf(sql`${messages}`)} where ${messages}.id = ${p("id")}`,
);
const smsById = query<{ toAddress: string }>(sql`
  select to_address as "toAddress" from ${messages} where id = ${p("id")} and channel = 'sms'`);
const setDelivery = query(sql`
  update ${messages} set delivery_status = ${p("status")}, delivery_detail = ${p("detail")}, delivery_at = ${p("now")},
    updated_at = ${p("now")}
  where id = ${p("id")} and (delivery_status is null or delivery_status not in ('delivered', 'failed', 'rejected'))`);
const failDelivered = query(sql`
  update ${messages} set status = 'failed', error = ${p("error")}, updated_at = ${p("now")} where id = ${p("id")}`);
const suppressPhone = query(sql`
  insert into ${smsSuppressions} (phone, reason, detail, created_at)
  values (${p("phone")}, 'permanent_failure', ${p("detail")}, ${p("now")})
  on conflict (phone) do nothing`);
const setChannel = query(sql`
  update ${messages} set channel = ${p("channel")}, to_address = ${p("toAddress")}, updated_at = ${p("now")}
  where id = ${p("id")} and status = 'sending'`);

const stranded = query<{ id: string }>(sql`
  select id from ${messages}
  where (status = 'queued' and updated_at < ${p("updatedBefore")}
      -- A postponed message is not stranded before its time.
      and (not_before is null or not_before <= ${p("now")}))
    or (status = 'sending' and lease_until < ${p("now")})
  order by updated_at limit ${p("limit")}`);

const relationshipOf = query<{ customerId: string; leaseUntil: number | null }>(sql`
  select customer_id as "customerId", lease_until as "leaseUntil" from ${messages} where id = ${p("id")}`);

/**
 * The customer's other relationship messages: sent since `since`, or being sent under a
 * claim whose (lease_until, id) sorts before this one's (the claim order, see the top).
 * A claim counts as sent at its last update. Without a lease of its own (not claimed)
 * a message counts only what was sent.
 */
const sendTimes = query<{ at: number }>(sql`
  select case when status = 'sent' then sent_at else updated_at end as at from ${messages}
  where customer_id = ${p("customerId")} and ${relationship("messages")} and id <> ${p("id")}
    and ((status = 'sent' and sent_at > ${p("since")})
      or (status = 'sending'
        and (lease_until < ${p("lease")} or (lease_until = ${p("lease")} and id < ${p("id")}))))`);

export async function claimMessage(t: Sql, id: string, now: number, leaseMs: number): Promise<ClaimOutcome> {
  if (t.dialect === "postgres") await t.get(lockRelationshipCustomer, { id, no: false });
  const claimed = await t.get(claim, { id, now, leaseUntil: now + leaseMs, no: false });
  if (claimed) return { outcome: "claimed", message: toMessage(claimed) };
  const row = await t.get(messageById, { id });
  if (!row) return { outcome: "missing" };
  // 'queued' here: another attempt claimed and gave it back between the two statements
  // (Postgres reads each statement's own snapshot); it is free again, so try later.
  if (row.status === "sending" || row.status === "queued")
    return { outcome: "busy", message: toMessage(row) };
  return { outcome: "done", message: toMessage(row) };
}

export async function recordSendRefusal(
  t: Sql,
  id: string,
  refusal: SendRefusal,
  now: number,
  newId: () => string,
): Promise<void> {
  if (t.dialect === "postgres") await t.get(lockMessage, { id });
  const m = await t.get(messageById, { id });
  if (!m) return;
  const at = refusal.command ? ` at ${refusal.command}` : "";
  const error = `refused by the mail server${at}: ${refusal.response}`.slice(0, 2000);
  const kind = refusal.kind ?? "hard";
  await t.run(finish, { id, status: "failed", error, now });
  // Once per message: a retried job finds the bounce recorded and stops here.
  if (await t.get(refusalRecorded, { id })) return;
  const interactionId = newId();
  await t.run(insertBounce, {
    id: interactionId,
    customerId: m.customerId,
    ownershipId: m.ownershipId,
    messageId: m.id,
    runId: m.runId,
    no: false,
    text: refusal.response.slice(0, 2000),
    // The same shape an incoming bounce's detail has (see classify.ts), plus where it came from.
    detail: JSON.stringify({
      reason: `refused by our SMTP server${at}`,
      bounce: {
        type: kind,
        status: refusalStatus(refusal),
        recipient: m.toAddress,
        diagnostic: refusal.response.slice(0, 2000),
      },
      source: "smtp-refusal",
      command: refusal.command,
      responseCode: refusal.responseCode,
    }),
    now,
  });
  // A block (spam, policy, a message too big) is about the sender or the message: the
  // address is kept.
  if (kind === "hard") await t.run(suppress, { email: m.toAddress.toLowerCase(), interactionId, now });
}

export async function deliveryContext(t: Sql, messageId: string): Promise<DeliveryContext | null> {
  const row = await t.get(context, { id: messageId });
  return row ? toDeliveryContext(row) : null;
}

/** contextOf's row; null without the customer (a message is never sent without one). */
function toDeliveryContext(row: Record<string, unknown>): DeliveryContext | null {
  const part = <T>(prefix: string, key: string, table: Table): T | null =>
    row[`${prefix}${key}`] === null || row[`${prefix}${key}`] === undefined
      ? null
      : unprefix<T>(row, prefix, table);
  const customer = part<typeof customers.$inferSelect>("c_", "id", customers);
  if (!customer) return null;
  const ownership = part<typeof ownerships.$inferSelect>("o_", "id", ownerships);
  const product = part<typeof products.$inferSelect>("p_", "id", products);
  const event = part<typeof events.$inferSelect>("e_", "id", events);
  return {
    suppression: part<SuppressionRow>("s_", "email", suppressions),
    smsSuppression: part<SmsSuppressionRow>("ss_", "phone", smsSuppressions),
    message: toMessage(unprefix(row, "m_", messages)),
    customer: toCustomer(customer),
    ownership: ownership ? toOwnership(ownership) : null,
    product: product ? toProduct(product) : null,
    event: event ? toEvent(event) : null,
  };
}

async function recordSmsDelivery(
  t: Sql,
  id: string,
  report: { status: SmsDeliveryStatus; detail: string | null },
  now: number,
): Promise<boolean> {
  const sms = await t.get(smsById, { id });
  if (!sms) return false;
  const changed = await t.run(setDelivery, { id, status: report.status, detail: report.detail, now });
  if (changed === 0 || (report.status !== "failed" && report.status !== "rejected")) return true;
  const error = `${report.status} at the operator: ${report.detail ?? "no reason given"}`.slice(0, 2000);
  await t.run(failDelivered, { id, error, now });
  if (report.status === "failed" && sms.toAddress)
    await t.run(suppressPhone, { phone: sms.toAddress, detail: report.detail, now });
  return true;
}

export async function relationshipSendTimes(t: Sql, messageId: string, since: number): Promise<number[]> {
  const mine = await t.get(relationshipOf, { id: messageId });
  if (!mine) return [];
  const rows = await t.all(sendTimes, {
    customerId: mine.customerId,
    id: messageId,
    no: false,
    since,
    lease: mine.leaseUntil,
  });
  return rows.map((r) => r.at);
}

export async function findMessagesByHeader(t: Sql, headers: string[]): Promise<MessageRow[]> {
  if (headers.length === 0) return [];
  const list = sql.join(
    headers.slice(0, 100).map((h) => sql`${h}`),
    sql`, `,
  );
  const rows = await t.all(
    adhoc<MessageRecord>(
      sql`select ${columnsOf(messages)} from ${messages} where message_id_header in (${list})`,
    ),
  );
  return rows.map(toMessage);
}

export function outboxStore(db: Database, newId: () => string): OutboxStore {
  const markSent = sentMarker(db);
  const claimUncapped = db.dialect === "postgres" ? uncappedClaimer(db) : null;
  return {
    claimMessage: async (id, now, leaseMs, opts) => {
      if (opts?.uncapped && claimUncapped) {
        const claimed = await claimUncapped({ id, now, leaseUntil: now + leaseMs });
        if (claimed) {
          const context = toDeliveryContext(claimed);
          const message = toMessage(unprefix(claimed, "m_", messages));
          return context ? { outcome: "claimed", message, context } : { outcome: "claimed", message };
        }
        // Not claimable so (a relationship message after all, sent, held, missing): the full claim says which.
      }
      // SQLite: in a transaction, whose commit group commit shares with others (cheaper than a commit of its own).
      return db.tx((t) => claimMessage(t, id, now, leaseMs));
    },
    markSent: async (id, r) => {
      await markSent({ id, subject: r.subject, smtpResponse: r.smtpResponse, now: r.now });
    },
    releaseMessage: async (id, error, now, opts) => {
      const uncertain = opts?.uncertain ? 1 : 0;
      if (opts?.leaseUntil === undefined) await db.write(release, { id, error, now, uncertain });
      else await db.write(releaseOwn, { id, error, now, uncertain, leaseUntil: opts.leaseUntil });
    },
    recordSendRefusal: (id, refusal, now) => db.tx((t) => recordSendRefusal(t, id, refusal, now, newId)),
    countPossibleDuplicates: () => db.read(async (t) => (await t.get(possibleDuplicates))?.n ?? 0),
    failMessage: async (id, error, now) => {
      await db.write(finish, { id, status: "failed", error, now });
    },
    deliveryContext: (id) => db.read((t) => deliveryContext(t, id)),
    recordSmsDelivery: (id, report, now) => db.tx((t) => recordSmsDelivery(t, id, report, now)),
    addressMessage: async (id, channel, toAddress, now) => {
      await db.tx((t) => t.run(setChannel, { id, channel, toAddress, now }));
    },
    listStrandedMessages: (now, updatedBefore, limit) =>
      db.read(async (t) => (await t.all(stranded, { now, updatedBefore, limit })).map((r) => r.id)),
    getMessage: (id) =>
      db.read(async (t) => {
        const row = await t.get(messageById, { id });
        return row ? toMessage(row) : null;
      }),
    findMessagesByHeader: (headers) => db.read((t) => findMessagesByHeader(t, headers)),
    relationshipSendTimes: (id, since) => db.read((t) => relationshipSendTimes(t, id, since)),
    postponeMessage: async (id, notBefore, reason, now) => {
      await db.write(postpone, { id, notBefore, reason, now });
    },
    suppressMessage: async (id, reason, now) => {
      await db.write(finish, { id, status: "suppressed", error: reason, now });
    },
  };
}
