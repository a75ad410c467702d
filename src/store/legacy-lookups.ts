/**
 * TEMPORARY: the lookups that leave inbound.ts for their own areas (messages, customers,
 * runs), kept here unchanged on the root drizzle handle so the bridge in sqlite-store.ts
 * still compiles until those areas land. The lead deletes this file at merge.
 */
import { and, asc, eq, gte, inArray, lt } from "drizzle-orm";
import { isOwnershipIdPrefix } from "../mail/tokens.js";
import type { Db } from "./db.js";
import { toCustomer, toMessage, toOwnership, toProduct, toRun } from "./rows.js";
import { customers, flowRuns, messages, ownerships, products, suppressions } from "./schema.js";
import type { CustomerRow, MessageRow, OwnershipRow, ProductRow, RunRow, SuppressionRow } from "./store.js";

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
