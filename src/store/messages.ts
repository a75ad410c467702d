/**
 * The send ledger. A delivery claims its row with one conditional UPDATE (atomic in
 * any SQL database, across processes), sends, then marks the row sent. A row found
 * 'sending' with a live lease belongs to another attempt and is left alone; one whose
 * lease ran out was abandoned by a killed worker and may be claimed again.
 */
import { and, asc, eq, lt, or, sql } from "drizzle-orm";
import type { Db } from "./db.js";
import { toCustomer, toEvent, toMessage, toOwnership, toProduct } from "./rows.js";
import { customers, events, messages, ownerships, products, suppressions } from "./schema.js";
import type { ClaimOutcome, DeliveryContext } from "./store.js";

export function claimMessage(db: Db, id: string, now: number, leaseMs: number): ClaimOutcome {
  const claimed = db
    .update(messages)
    .set({
      status: "sending",
      leaseUntil: now + leaseMs,
      updatedAt: now,
      attempts: sql`${messages.attempts} + 1`,
    })
    .where(
      and(
        eq(messages.id, id),
        or(eq(messages.status, "queued"), and(eq(messages.status, "sending"), lt(messages.leaseUntil, now))),
      ),
    )
    .run();
  const row = db.select().from(messages).where(eq(messages.id, id)).get();
  if (!row) return { outcome: "missing" };
  if (claimed.changes === 1) return { outcome: "claimed", message: toMessage(row) };
  if (row.status === "sending") return { outcome: "busy", message: toMessage(row) };
  return { outcome: "done", message: toMessage(row) };
}

export function markSent(
  db: Db,
  id: string,
  r: { subject: string; smtpResponse: string; now: number },
): void {
  db.update(messages)
    .set({
      status: "sent",
      subject: r.subject,
      smtpResponse: r.smtpResponse,
      sentAt: r.now,
      updatedAt: r.now,
      leaseUntil: null,
      error: null,
    })
    .where(eq(messages.id, id))
    .run();
}

export function releaseMessage(db: Db, id: string, error: string, now: number): void {
  db.update(messages)
    .set({ status: "queued", error, leaseUntil: null, updatedAt: now })
    .where(and(eq(messages.id, id), eq(messages.status, "sending")))
    .run();
}

export function failMessage(db: Db, id: string, error: string, now: number): void {
  db.update(messages)
    .set({ status: "failed", error, leaseUntil: null, updatedAt: now })
    .where(eq(messages.id, id))
    .run();
}

export function deliveryContext(db: Db, messageId: string): DeliveryContext | null {
  const m = db.select().from(messages).where(eq(messages.id, messageId)).get();
  if (!m) return null;
  const customer = db.select().from(customers).where(eq(customers.id, m.customerId)).get();
  if (!customer) return null;
  const ownership = m.ownershipId
    ? (db.select().from(ownerships).where(eq(ownerships.id, m.ownershipId)).get() ?? null)
    : null;
  const product = ownership
    ? (db.select().from(products).where(eq(products.id, ownership.productId)).get() ?? null)
    : null;
  const event = m.eventId ? (db.select().from(events).where(eq(events.id, m.eventId)).get() ?? null) : null;
  const suppression = db
    .select()
    .from(suppressions)
    .where(eq(suppressions.email, m.toAddress.toLowerCase()))
    .get();
  return {
    suppression: suppression ?? null,
    message: toMessage(m),
    customer: toCustomer(customer),
    ownership: ownership ? toOwnership(ownership) : null,
    product: product ? toProduct(product) : null,
    event: event ? toEvent(event) : null,
  };
}

/** Queued rows untouched for a while, and claims whose lease ran out. */
export function listStrandedMessages(db: Db, now: number, updatedBefore: number, limit: number): string[] {
  return db
    .select({ id: messages.id })
    .from(messages)
    .where(
      or(
        and(eq(messages.status, "queued"), lt(messages.updatedAt, updatedBefore)),
        and(eq(messages.status, "sending"), lt(messages.leaseUntil, now)),
      ),
    )
    .orderBy(asc(messages.updatedAt))
    .limit(limit)
    .all()
    .map((r) => r.id);
}
