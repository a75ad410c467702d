/**
 * Inbound mail and interactions. The raw message is stored first (recordInbound); the
 * interaction is recorded later by the inbound job, once per inbound message (unique
 * inbound_id: a retried job finds its own row) and once per Message-ID (a copy of a
 * mail that reached us twice, e.g. to two of our addresses or by SMTP and IMAP, is
 * recognised as a duplicate of the first).
 *
 * Both "once"s are held by the unique indexes on interactions, not by reading first:
 * with several workers on Postgres two copies of one mail can be recorded at the same
 * moment. The insert does nothing on a conflict (Postgres waits for the other
 * transaction to commit first) and the row that won is read back.
 */
import { getTableColumns, sql } from "drizzle-orm";
import { toInbound, toInteraction } from "./rows.js";
import { inboundMessages, interactions, suppressions } from "./schema.js";
import { columnsOf } from "./sql/columns.js";
import type { Database, Sql } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type {
  InboundRow,
  InboundStore,
  NewInbound,
  NewInteraction,
  RecordInteractionOutcome,
  SuppressionReason,
} from "./store.js";

type InboundRecord = typeof inboundMessages.$inferSelect;
type InteractionRecord = typeof interactions.$inferSelect;
const p = sql.placeholder;

const { raw: _raw, ...inboundColumnsButRaw } = getTableColumns(inboundMessages);
/** The new row without its raw message: the caller has it, and reading it back would copy megabytes. */
const insertInbound = query<Omit<InboundRecord, "raw">>(sql`
  insert into ${inboundMessages} (id, source, received_at, envelope_from, envelope_to, raw, size)
  values (${p("id")}, ${p("source")}, ${p("receivedAt")}, ${p("envelopeFrom")}, ${p("envelopeTo")}, ${p("raw")}, ${p("size")})
  returning ${sql.join(
    Object.entries(inboundColumnsButRaw).map(([key, column]) => sql`${column} as ${sql.identifier(key)}`),
    sql`, `,
  )}`);
const inboundById = query<InboundRecord>(sql`
  select ${columnsOf(inboundMessages)} from ${inboundMessages} where id = ${p("id")}`);
const failInbound = query(sql`
  update ${inboundMessages} set status = 'failed', error = ${p("error")}, processed_at = ${p("now")}
  where id = ${p("id")}`);
const strandedInbound = query<{ id: string }>(sql`
  select id from ${inboundMessages} where status = 'received' and received_at < ${p("before")}
  order by received_at limit ${p("limit")}`);

/** Conflicts on inbound_id or message_id_header (or the id) insert nothing and return no row. */
const insertInteraction = query<InteractionRecord>(sql`
  insert into ${interactions}
    (id, inbound_id, kind, message_id_header, customer_id, ownership_id, message_id, run_id, attributed_by,
     to_owner_address, from_address, subject, text, detail, occurred_at, created_at, handled_at)
  values (${p("id")}, ${p("inboundId")}, ${p("kind")}, ${p("messageIdHeader")}, ${p("customerId")},
    ${p("ownershipId")}, ${p("messageId")}, ${p("runId")}, ${p("attributedBy")}, ${p("toOwnerAddress")},
    ${p("fromAddress")}, ${p("subject")}, ${p("text")}, ${p("detail")}, ${p("occurredAt")}, ${p("now")},
    ${p("handledAt")})
  on conflict do nothing
  returning ${columnsOf(interactions)}`);
const interactionOfInbound = query<InteractionRecord>(sql`
  select ${columnsOf(interactions)} from ${interactions} where inbound_id = ${p("inboundId")}`);
const interactionOfHeader = query<InteractionRecord>(sql`
  select ${columnsOf(interactions)} from ${interactions} where message_id_header = ${p("header")}`);
// An unsubscribe stops only non-transactional mail; a hard bounce or a complaint stops
// all of it, so it takes an unsubscribe's place. Otherwise the first reason stays.
const insertSuppression = query(sql`
  insert into ${suppressions} (email, reason, interaction_id, created_at)
  values (${p("email")}, ${p("reason")}, ${p("interactionId")}, ${p("now")})
  on conflict (email) do update set
    reason = excluded.reason, interaction_id = excluded.interaction_id, created_at = excluded.created_at
  where ${suppressions}.reason = 'unsubscribe' and excluded.reason <> 'unsubscribe'`);
const markProcessed = query(sql`
  update ${inboundMessages}
  set status = 'processed', processed_at = ${p("now")}, interaction_id = ${p("interactionId")}, error = ${p("error")}
  where id = ${p("inboundId")}`);

/**
 * Stores a raw message, one statement on its own (Database.getLarge: on SQLite off the
 * event loop). The first thing done with a message, so there is nothing to be atomic with.
 */
export async function recordInbound(
  db: Database,
  inbound: NewInbound,
  now: number,
  newId: () => string,
): Promise<InboundRow> {
  const row = await db.getLarge(insertInbound, {
    id: newId(),
    source: inbound.source,
    receivedAt: now,
    envelopeFrom: inbound.envelopeFrom,
    envelopeTo: JSON.stringify(inbound.envelopeTo),
    raw: inbound.raw,
    size: inbound.raw.length,
  });
  if (!row) throw new Error("inbound message insert returned no row");
  return toInbound({ ...row, raw: inbound.raw });
}

/** One stored message with its raw bytes (Database.getLarge: on SQLite off the event loop). */
export async function getInbound(db: Database, id: string): Promise<InboundRow | null> {
  const row = await db.getLarge(inboundById, { id });
  return row ? toInbound(row) : null;
}

export async function recordInteraction(
  t: Sql,
  inboundId: string,
  interaction: NewInteraction,
  suppress: { email: string; reason: SuppressionReason } | null,
  now: number,
  newId: () => string,
): Promise<RecordInteractionOutcome> {
  const id = newId();
  const inserted = await t.get(insertInteraction, {
    ...interaction,
    id,
    inboundId,
    detail: JSON.stringify(interaction.detail),
    handledAt: interaction.handledAt ?? null,
    now,
  });
  if (inserted) {
    if (suppress) {
      await t.run(insertSuppression, {
        email: suppress.email.toLowerCase(),
        reason: suppress.reason,
        interactionId: id,
        now,
      });
    }
    await t.run(markProcessed, { inboundId, interactionId: id, error: null, now });
    return { outcome: "recorded", interaction: toInteraction(inserted) };
  }
  // A retry of this message's job (its own row), or a copy of a mail recorded first
  // through another inbound message.
  const mine = await t.get(interactionOfInbound, { inboundId });
  if (mine) return { outcome: "recorded", interaction: toInteraction(mine) };
  const first = interaction.messageIdHeader
    ? await t.get(interactionOfHeader, { header: interaction.messageIdHeader })
    : undefined;
  if (!first) throw new Error(`interaction ${id} for inbound message ${inboundId} conflicted with no row`);
  await t.run(markProcessed, {
    inboundId,
    interactionId: first.id,
    error: `a copy of the message already recorded as interaction ${first.id}`,
    now,
  });
  return { outcome: "duplicate", interaction: toInteraction(first) };
}

const interactionTextQuery = query<{ text: string | null }>(
  sql`select text from ${interactions} where id = ${sql.placeholder("id")}`,
);

export function inboundStore(db: Database, newId: () => string): InboundStore {
  return {
    interactionText: (id) => db.read(async (t) => (await t.get(interactionTextQuery, { id }))?.text ?? null),
    recordInbound: (inbound, now) => recordInbound(db, inbound, now, newId),
    getInbound: (id) => getInbound(db, id),
    markInboundFailed: async (id, error, now) => {
      await db.write(failInbound, { id, error, now });
    },
    listStrandedInbound: (before, limit) =>
      db.read(async (t) => (await t.all(strandedInbound, { before, limit })).map((r) => r.id)),
    recordInteraction: (inboundId, interaction, suppress, now) =>
      db.tx((t) => recordInteraction(t, inboundId, interaction, suppress, now, newId)),
  };
}
