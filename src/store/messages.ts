/**
 * The send ledger. A delivery claims its row with one conditional UPDATE (atomic in
 * any SQL database, across processes), sends, then marks the row sent. A row found
 * 'sending' with a live lease belongs to another attempt and is left alone; one whose
 * lease ran out was abandoned by a killed worker and may be claimed again.
 */
import { and, asc, eq, lt, or, sql } from "drizzle-orm";
import { bound, type Db, prepared } from "./db.js";
import { toCustomer, toEvent, toMessage, toOwnership, toProduct } from "./rows.js";
import { customers, events, messages, ownerships, products, suppressions } from "./schema.js";
import type { ClaimOutcome, DeliveryContext } from "./store.js";

export function claimMessage(db: Db, id: string, now: number, leaseMs: number): ClaimOutcome {
  const claim = prepared(db, "messages.claim", () =>
    db
      .update(messages)
      .set({
        status: "sending",
        leaseUntil: bound("leaseUntil"),
        updatedAt: bound("now"),
        attempts: sql`${messages.attempts} + 1`,
      })
      .where(
        and(
          eq(messages.id, sql.placeholder("id")),
          or(
            eq(messages.status, "queued"),
            and(eq(messages.status, "sending"), lt(messages.leaseUntil, sql.placeholder("now"))),
          ),
        ),
      )
      .returning()
      .prepare(),
  );
  const claimed = claim.get({ id, now, leaseUntil: now + leaseMs });
  if (claimed) return { outcome: "claimed", message: toMessage(claimed) };
  const row = db.select().from(messages).where(eq(messages.id, id)).get();
  if (!row) return { outcome: "missing" };
  if (row.status === "sending") return { outcome: "busy", message: toMessage(row) };
  return { outcome: "done", message: toMessage(row) };
}

export function markSent(
  db: Db,
  id: string,
  r: { subject: string; smtpResponse: string; now: number },
): void {
  prepared(db, "messages.markSent", () =>
    db
      .update(messages)
      .set({
        status: "sent",
        subject: bound("subject"),
        smtpResponse: bound("smtpResponse"),
        sentAt: bound("now"),
        updatedAt: bound("now"),
        leaseUntil: null,
        error: null,
      })
      .where(eq(messages.id, sql.placeholder("id")))
      .prepare(),
  ).run({ id, subject: r.subject, smtpResponse: r.smtpResponse, now: r.now });
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
  // One query instead of five: the delivery job asks this for every message.
  const row = prepared(db, "messages.deliveryContext", () =>
    db
      .select({
        m: messages,
        customer: customers,
        ownership: ownerships,
        product: products,
        event: events,
        suppression: suppressions,
      })
      .from(messages)
      .innerJoin(customers, eq(customers.id, messages.customerId))
      .leftJoin(ownerships, eq(ownerships.id, messages.ownershipId))
      .leftJoin(products, eq(products.id, ownerships.productId))
      .leftJoin(events, eq(events.id, messages.eventId))
      .leftJoin(suppressions, eq(suppressions.email, sql`lower(${messages.toAddress})`))
      .where(eq(messages.id, sql.placeholder("id")))
      .prepare(),
  ).get({ id: messageId });
  if (!row) return null;
  const { m, customer, ownership, product, event, suppression } = row;
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
