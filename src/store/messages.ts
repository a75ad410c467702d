/**
 * The send ledger. A delivery claims its row with one conditional UPDATE (atomic in
 * any SQL database, across processes), sends, then marks the row sent. A row found
 * 'sending' with a live lease belongs to another attempt and is left alone; one whose
 * lease ran out was abandoned by a killed worker and may be claimed again.
 *
 * Taking over such a claim counts an uncertain attempt: the abandoned attempt may have
 * reached the SMTP server before its process died or stalled, so if this one is sent too
 * the recipient may have the message twice (same Message-ID). The timeline says so, and
 * countPossibleDuplicates counts them.
 */
import { and, asc, eq, gt, isNull, lt, lte, ne, or, sql } from "drizzle-orm";
import { bound, type Db, prepared } from "./db.js";
import { toCustomer, toEvent, toMessage, toOwnership, toProduct } from "./rows.js";
import { customers, events, interactions, messages, ownerships, products, suppressions } from "./schema.js";
import type { ClaimOutcome, DeliveryContext, SendRefusal } from "./store.js";

export function claimMessage(db: Db, id: string, now: number, leaseMs: number): ClaimOutcome {
  const claim = prepared(db, "messages.claim", () =>
    db
      .update(messages)
      .set({
        status: "sending",
        leaseUntil: bound("leaseUntil"),
        updatedAt: bound("now"),
        attempts: sql`${messages.attempts} + 1`,
        // SET sees the row before the update: 'sending' here means a lapsed claim taken over.
        uncertainAttempts: sql`${messages.uncertainAttempts} + (CASE WHEN ${messages.status} = 'sending' THEN 1 ELSE 0 END)`,
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

export function releaseMessage(db: Db, id: string, error: string, now: number, uncertain = false): void {
  db.update(messages)
    .set({
      status: "queued",
      error,
      leaseUntil: null,
      updatedAt: now,
      ...(uncertain ? { uncertainAttempts: sql`${messages.uncertainAttempts} + 1` } : {}),
    })
    .where(and(eq(messages.id, id), eq(messages.status, "sending")))
    .run();
}

/** "550 5.1.1 <x>: no such user" → "5.1.1" (RFC 3463); the reply code when there is no enhanced status. */
export function refusalStatus(r: SendRefusal): string {
  const enhanced = /(?:^|[\s:(])([245]\.\d{1,3}\.\d{1,3})(?=$|[\s:;,)])/.exec(
    r.response.replace(/^\d{3}[ -]/, " "),
  );
  return enhanced?.[1] ?? String(r.responseCode);
}

export function recordSendRefusal(
  db: Db,
  id: string,
  refusal: SendRefusal,
  now: number,
  newId: () => string,
): void {
  db.transaction(
    (tx) => {
      const m = tx.select().from(messages).where(eq(messages.id, id)).get();
      if (!m) return;
      const at = refusal.command ? ` at ${refusal.command}` : "";
      const error = `refused by the mail server${at}: ${refusal.response}`.slice(0, 2000);
      tx.update(messages)
        .set({ status: "failed", error, leaseUntil: null, updatedAt: now })
        .where(eq(messages.id, id))
        .run();
      // Once per message: a retried job finds the bounce recorded and stops here.
      const recorded = tx
        .select({ id: interactions.id })
        .from(interactions)
        .where(
          and(
            eq(interactions.messageId, id),
            isNull(interactions.inboundId),
            eq(interactions.kind, "bounce"),
          ),
        )
        .get();
      if (recorded) return;
      const interactionId = newId();
      tx.insert(interactions)
        .values({
          id: interactionId,
          inboundId: null,
          kind: "bounce",
          messageIdHeader: null,
          customerId: m.customerId,
          ownershipId: m.ownershipId,
          messageId: m.id,
          runId: m.runId,
          attributedBy: "smtp-refusal",
          toOwnerAddress: false,
          fromAddress: null,
          subject: null,
          text: refusal.response.slice(0, 2000),
          // The same shape an incoming bounce's detail has (see classify.ts), plus where it came from.
          detail: JSON.stringify({
            reason: `refused by our SMTP server${at}`,
            bounce: {
              type: "hard",
              status: refusalStatus(refusal),
              recipient: m.toAddress,
              diagnostic: refusal.response.slice(0, 2000),
            },
            source: "smtp-refusal",
            command: refusal.command,
            responseCode: refusal.responseCode,
          }),
          occurredAt: now,
          createdAt: now,
        })
        .run();
      tx.insert(suppressions)
        .values({ email: m.toAddress.toLowerCase(), reason: "hard_bounce", interactionId, createdAt: now })
        .onConflictDoNothing()
        .run();
    },
    { behavior: "immediate" },
  );
}

export function countPossibleDuplicates(db: Db): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(messages)
      .where(and(eq(messages.status, "sent"), gt(messages.uncertainAttempts, 0)))
      .get()?.n ?? 0
  );
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
        and(
          eq(messages.status, "queued"),
          lt(messages.updatedAt, updatedBefore),
          // A postponed message is not stranded before its time.
          or(isNull(messages.notBefore), lte(messages.notBefore, now)),
        ),
        and(eq(messages.status, "sending"), lt(messages.leaseUntil, now)),
      ),
    )
    .orderBy(asc(messages.updatedAt))
    .limit(limit)
    .all()
    .map((r) => r.id);
}

export function relationshipSendTimes(db: Db, messageId: string, since: number): number[] {
  const mine = db
    .select({ customerId: messages.customerId, leaseUntil: messages.leaseUntil })
    .from(messages)
    .where(eq(messages.id, messageId))
    .get();
  if (!mine) return [];
  const relationship = and(
    eq(messages.customerId, mine.customerId),
    eq(messages.audience, "customer"),
    eq(messages.transactional, false),
    ne(messages.id, messageId),
  );
  const sent = db
    .select({ at: messages.sentAt })
    .from(messages)
    .where(and(relationship, eq(messages.status, "sent"), gt(messages.sentAt, since)))
    .all()
    .map((r) => r.at as number);
  // Claims taken before this one count as sent now: of two racing messages only the later
  // one waits, so neither starves the other.
  const sending =
    mine.leaseUntil === null
      ? []
      : db
          .select({ at: messages.updatedAt })
          .from(messages)
          .where(and(relationship, eq(messages.status, "sending"), lt(messages.leaseUntil, mine.leaseUntil)))
          .all()
          .map((r) => r.at);
  return [...sent, ...sending];
}

export function postponeMessage(db: Db, id: string, notBefore: number, reason: string, now: number): void {
  db.update(messages)
    .set({ status: "queued", notBefore, error: reason, leaseUntil: null, updatedAt: now })
    .where(and(eq(messages.id, id), eq(messages.status, "sending")))
    .run();
}
