/**
 * Customers, products and ownerships as events describe them. Upserts merge: a field
 * an event leaves out keeps its stored value, so a later purchase event without a
 * birthday does not erase the birthday a registration gave.
 */
import { and, eq } from "drizzle-orm";
import { OWNERSHIP_END_TYPE, OWNERSHIP_START_TYPES } from "../events/event-body.js";
import type { Db } from "./db.js";
import { toCustomer, toOwnership, toProduct } from "./rows.js";
import { customers, ownerships, products } from "./schema.js";
import type { CustomerRow, EventRow, IngestedEvent, OwnershipRow, ProductRow } from "./store.js";

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

function upsertCustomer(tx: Tx, event: EventRow, now: number, newId: () => string): CustomerRow {
  const input = event.body.customer;
  const email = input.email.toLowerCase();
  const existing = tx.select().from(customers).where(eq(customers.email, email)).get();
  if (!existing) {
    const row = {
      id: newId(),
      email,
      name: input.name ?? null,
      timezone: input.timezone ?? null,
      locale: input.locale ?? null,
      birthday: input.birthday ?? null,
      attributes: JSON.stringify(input.attributes ?? {}),
      createdAt: now,
      updatedAt: now,
    };
    tx.insert(customers).values(row).run();
    return toCustomer(row);
  }
  const attributes = { ...JSON.parse(existing.attributes), ...(input.attributes ?? {}) };
  const changes = {
    name: input.name ?? existing.name,
    timezone: input.timezone ?? existing.timezone,
    locale: input.locale ?? existing.locale,
    birthday: input.birthday ?? existing.birthday,
    attributes: JSON.stringify(attributes),
    updatedAt: now,
  };
  tx.update(customers).set(changes).where(eq(customers.id, existing.id)).run();
  return toCustomer({ ...existing, ...changes });
}

function upsertProduct(tx: Tx, event: EventRow, now: number, newId: () => string): ProductRow | null {
  const input = event.body.product;
  if (!input) return null;
  const existing = tx.select().from(products).where(eq(products.sku, input.sku)).get();
  if (!existing) {
    const row = {
      id: newId(),
      sku: input.sku,
      name: input.name ?? null,
      category: input.category ?? null,
      createdAt: now,
      updatedAt: now,
    };
    tx.insert(products).values(row).run();
    return toProduct(row);
  }
  const changes = {
    name: input.name ?? existing.name,
    category: input.category ?? existing.category,
    updatedAt: now,
  };
  tx.update(products).set(changes).where(eq(products.id, existing.id)).run();
  return toProduct({ ...existing, ...changes });
}

function upsertOwnership(
  tx: Tx,
  event: EventRow,
  customer: CustomerRow,
  product: ProductRow | null,
  now: number,
  newId: () => string,
): OwnershipRow | null {
  if (!product) return null;
  const serial = event.body.product?.serial ?? "";
  const key = and(
    eq(ownerships.customerId, customer.id),
    eq(ownerships.productId, product.id),
    eq(ownerships.serial, serial),
  );
  const existing = tx.select().from(ownerships).where(key).get();
  if (OWNERSHIP_START_TYPES.has(event.type)) {
    const kind = event.type as "registration" | "purchase";
    if (!existing) {
      const row = {
        id: newId(),
        customerId: customer.id,
        productId: product.id,
        serial,
        kind,
        status: "active" as const,
        startedAt: event.occurredAt,
        endedAt: null,
        createdAt: now,
        updatedAt: now,
      };
      tx.insert(ownerships).values(row).run();
      return toOwnership(row);
    }
    // A purchase followed by a registration of the same item stays one ownership;
    // a re-registration after a disposition revives it.
    const changes = { status: "active" as const, endedAt: null, updatedAt: now };
    tx.update(ownerships).set(changes).where(eq(ownerships.id, existing.id)).run();
    return toOwnership({ ...existing, ...changes });
  }
  if (event.type === OWNERSHIP_END_TYPE && existing) {
    const changes = { status: "disposed" as const, endedAt: event.occurredAt, updatedAt: now };
    tx.update(ownerships).set(changes).where(eq(ownerships.id, existing.id)).run();
    return toOwnership({ ...existing, ...changes });
  }
  return existing ? toOwnership(existing) : null;
}

export function ingestEvent(db: Db, event: EventRow, now: number, newId: () => string): IngestedEvent {
  return db.transaction((tx) => {
    const customer = upsertCustomer(tx, event, now, newId);
    const product = upsertProduct(tx, event, now, newId);
    const ownership = upsertOwnership(tx, event, customer, product, now, newId);
    return { customer, product, ownership };
  });
}
