/**
 * Inbound mail and interactions. The raw message is stored first (recordInbound); the
 * interaction is recorded later by the inbound job, once per inbound message (unique
 * inbound_id: a retried job finds its own row) and once per Message-ID (a copy of a
 * mail that reached us twice, e.g. to two of our addresses or by SMTP and IMAP, is
 * recognised as a duplicate of the first).
 */
import { and, asc, eq, gte, inArray, lt } from "drizzle-orm";
import { isOwnershipIdPrefix } from "../mail/tokens.js";
import type { Db } from "./db.js";
import { toCustomer, toInbound, toInteraction, toMessage, toOwnership, toProduct, toRun } from "./rows.js";
import {
  customers,
  flowRuns,
  inboundMessages,
  interactions,
  messages,
  ownerships,
  products,
  suppressions,
} from "./schema.js";
import type {
  CustomerRow,
  InboundRow,
  MessageRow,
  NewInbound,
  NewInteraction,
  OwnershipRow,
  ProductRow,
  RecordInteractionOutcome,
  RunRow,
  SuppressionReason,
  SuppressionRow,
} from "./store.js";

export function recordInbound(db: Db, inbound: NewInbound, now: number, newId: () => string): InboundRow {
  const row = db
    .insert(inboundMessages)
    .values({
      id: newId(),
      source: inbound.source,
      receivedAt: now,
      envelopeFrom: inbound.envelopeFrom,
      envelopeTo: JSON.stringify(inbound.envelopeTo),
      raw: inbound.raw,
      size: inbound.raw.length,
    })
    .returning()
    .get();
  return toInbound(row);
}

export function getInbound(db: Db, id: string): InboundRow | null {
  const row = db.select().from(inboundMessages).where(eq(inboundMessages.id, id)).get();
  return row ? toInbound(row) : null;
}

export function markInboundFailed(db: Db, id: string, error: string, now: number): void {
  db.update(inboundMessages)
    .set({ status: "failed", error, processedAt: now })
    .where(eq(inboundMessages.id, id))
    .run();
}

export function listStrandedInbound(db: Db, receivedBefore: number, limit: number): string[] {
  return db
    .select({ id: inboundMessages.id })
    .from(inboundMessages)
    .where(and(eq(inboundMessages.status, "received"), lt(inboundMessages.receivedAt, receivedBefore)))
    .orderBy(asc(inboundMessages.receivedAt))
    .limit(limit)
    .all()
    .map((r) => r.id);
}

export function getMessage(db: Db, id: string): MessageRow | null {
  const row = db.select().from(messages).where(eq(messages.id, id)).get();
  return row ? toMessage(row) : null;
}

export function findMessagesByHeader(db: Db, headers: string[]): MessageRow[] {
  if (headers.length === 0) return [];
  return db
    .select()
    .from(messages)
    .where(inArray(messages.messageIdHeader, headers.slice(0, 100)))
    .all()
    .map(toMessage);
}

/**
 * An ownership by its id, or by the 13-character id prefix a short owner line carries
 * (src/mail/tokens.ts): a range scan of the primary key. A prefix two ownerships share
 * finds neither: mail to that line is never attributed to a guess.
 */
export function getOwnership(db: Db, id: string): (OwnershipRow & { product: ProductRow }) | null {
  const rows = db
    .select()
    .from(ownerships)
    .innerJoin(products, eq(products.id, ownerships.productId))
    .where(
      isOwnershipIdPrefix(id)
        ? and(gte(ownerships.id, `${id}-`), lt(ownerships.id, `${id}.`))
        : eq(ownerships.id, id),
    )
    .limit(2)
    .all();
  const row = rows.length === 1 ? rows[0] : undefined;
  return row ? { ...toOwnership(row.ownerships), product: toProduct(row.products) } : null;
}

export function findCustomerByEmail(db: Db, email: string): CustomerRow | null {
  const row = db.select().from(customers).where(eq(customers.email, email.toLowerCase())).get();
  return row ? toCustomer(row) : null;
}

export function getCustomer(db: Db, id: string): CustomerRow | null {
  const row = db.select().from(customers).where(eq(customers.id, id)).get();
  return row ? toCustomer(row) : null;
}

export function recordInteraction(
  db: Db,
  inboundId: string,
  interaction: NewInteraction,
  suppress: { email: string; reason: SuppressionReason } | null,
  now: number,
  newId: () => string,
): RecordInteractionOutcome {
  return db.transaction(
    (tx) => {
      const mine = tx.select().from(interactions).where(eq(interactions.inboundId, inboundId)).get();
      if (mine) return { outcome: "recorded", interaction: toInteraction(mine) };
      if (interaction.messageIdHeader) {
        const first = tx
          .select()
          .from(interactions)
          .where(eq(interactions.messageIdHeader, interaction.messageIdHeader))
          .get();
        if (first) {
          tx.update(inboundMessages)
            .set({
              status: "processed",
              processedAt: now,
              interactionId: first.id,
              error: `a copy of the message already recorded as interaction ${first.id}`,
            })
            .where(eq(inboundMessages.id, inboundId))
            .run();
          return { outcome: "duplicate", interaction: toInteraction(first) };
        }
      }
      const id = newId();
      const row = tx
        .insert(interactions)
        .values({ ...interaction, id, inboundId, detail: JSON.stringify(interaction.detail), createdAt: now })
        .returning()
        .get();
      if (suppress) {
        tx.insert(suppressions)
          .values({
            email: suppress.email.toLowerCase(),
            reason: suppress.reason,
            interactionId: id,
            createdAt: now,
          })
          .onConflictDoNothing()
          .run();
      }
      tx.update(inboundMessages)
        .set({ status: "processed", processedAt: now, interactionId: id, error: null })
        .where(eq(inboundMessages.id, inboundId))
        .run();
      return { outcome: "recorded", interaction: toInteraction(row) };
    },
    { behavior: "immediate" },
  );
}

export function getSuppression(db: Db, email: string): SuppressionRow | null {
  return db.select().from(suppressions).where(eq(suppressions.email, email.toLowerCase())).get() ?? null;
}

export function listWaitingRuns(db: Db, customerId: string): RunRow[] {
  return db
    .select()
    .from(flowRuns)
    .where(and(eq(flowRuns.customerId, customerId), eq(flowRuns.status, "waiting")))
    .orderBy(asc(flowRuns.createdAt))
    .all()
    .map(toRun);
}

export function suppressMessage(db: Db, id: string, reason: string, now: number): void {
  db.update(messages)
    .set({ status: "suppressed", error: reason, leaseUntil: null, updatedAt: now })
    .where(eq(messages.id, id))
    .run();
}
