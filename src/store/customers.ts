/**
 * Customers, products and ownerships as events describe them. Upserts merge: a field
 * an event leaves out keeps its stored value, so a later purchase event without a
 * birthday does not erase the birthday a registration gave.
 */
import { and, eq, sql } from "drizzle-orm";
import { OWNERSHIP_END_TYPE, OWNERSHIP_START_TYPES } from "../events/event-body.js";
import { bound, type Db, prepared } from "./db.js";
import { toCustomer, toOwnership, toProduct } from "./rows.js";
import { customers, ownerships, products } from "./schema.js";
import type { CustomerRow, EventRow, IngestedEvent, OwnershipRow, ProductRow } from "./store.js";

/**
 * The upserts' queries, built once per database (every event runs them). Prepared on
 * `db`, they run inside a transaction opened on `db` (better-sqlite3 has one connection).
 */
function queries(db: Db) {
  return prepared(db, "customers.ingest", () => ({
    customerByEmail: db
      .select()
      .from(customers)
      .where(eq(customers.email, sql.placeholder("email")))
      .prepare(),
    insertCustomer: db
      .insert(customers)
      .values({
        id: sql.placeholder("id"),
        email: sql.placeholder("email"),
        name: sql.placeholder("name"),
        timezone: sql.placeholder("timezone"),
        locale: sql.placeholder("locale"),
        birthday: sql.placeholder("birthday"),
        attributes: sql.placeholder("attributes"),
        createdAt: sql.placeholder("createdAt"),
        updatedAt: sql.placeholder("updatedAt"),
      })
      .prepare(),
    updateCustomer: db
      .update(customers)
      .set({
        name: bound("name"),
        timezone: bound("timezone"),
        locale: bound("locale"),
        birthday: bound("birthday"),
        attributes: bound("attributes"),
        updatedAt: bound("updatedAt"),
      })
      .where(eq(customers.id, sql.placeholder("id")))
      .prepare(),
    productBySku: db
      .select()
      .from(products)
      .where(eq(products.sku, sql.placeholder("sku")))
      .prepare(),
    insertProduct: db
      .insert(products)
      .values({
        id: sql.placeholder("id"),
        sku: sql.placeholder("sku"),
        name: sql.placeholder("name"),
        category: sql.placeholder("category"),
        relationship: sql.placeholder("relationship"),
        createdAt: sql.placeholder("createdAt"),
        updatedAt: sql.placeholder("updatedAt"),
      })
      .prepare(),
    updateProduct: db
      .update(products)
      .set({
        name: bound("name"),
        category: bound("category"),
        relationship: bound("relationship"),
        updatedAt: bound("updatedAt"),
      })
      .where(eq(products.id, sql.placeholder("id")))
      .prepare(),
    ownershipByKey: db
      .select()
      .from(ownerships)
      .where(
        and(
          eq(ownerships.customerId, sql.placeholder("customerId")),
          eq(ownerships.productId, sql.placeholder("productId")),
          eq(ownerships.serial, sql.placeholder("serial")),
        ),
      )
      .prepare(),
    insertOwnership: db
      .insert(ownerships)
      .values({
        id: sql.placeholder("id"),
        customerId: sql.placeholder("customerId"),
        productId: sql.placeholder("productId"),
        serial: sql.placeholder("serial"),
        kind: sql.placeholder("kind"),
        status: sql.placeholder("status"),
        startedAt: sql.placeholder("startedAt"),
        endedAt: sql.placeholder("endedAt"),
        createdAt: sql.placeholder("createdAt"),
        updatedAt: sql.placeholder("updatedAt"),
      })
      .prepare(),
    updateOwnership: db
      .update(ownerships)
      .set({ status: bound("status"), endedAt: bound("endedAt"), updatedAt: bound("updatedAt") })
      .where(eq(ownerships.id, sql.placeholder("id")))
      .prepare(),
  }));
}

type Queries = ReturnType<typeof queries>;

function upsertCustomer(q: Queries, event: EventRow, now: number, newId: () => string): CustomerRow {
  const input = event.body.customer;
  const email = input.email.toLowerCase();
  const existing = q.customerByEmail.get({ email });
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
    q.insertCustomer.run(row);
    return toCustomer({ ...row, tags: "[]" });
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
  q.updateCustomer.run({ ...changes, id: existing.id });
  return toCustomer({ ...existing, ...changes });
}

function upsertProduct(q: Queries, event: EventRow, now: number, newId: () => string): ProductRow | null {
  const input = event.body.product;
  if (!input) return null;
  const existing = q.productBySku.get({ sku: input.sku });
  if (!existing) {
    const row = {
      id: newId(),
      sku: input.sku,
      name: input.name ?? null,
      category: input.category ?? null,
      relationship: input.relationship ?? null,
      createdAt: now,
      updatedAt: now,
    };
    q.insertProduct.run(row);
    return toProduct(row);
  }
  const changes = {
    name: input.name ?? existing.name,
    category: input.category ?? existing.category,
    relationship: input.relationship ?? existing.relationship,
    updatedAt: now,
  };
  q.updateProduct.run({ ...changes, id: existing.id });
  return toProduct({ ...existing, ...changes });
}

function upsertOwnership(
  q: Queries,
  event: EventRow,
  customer: CustomerRow,
  product: ProductRow | null,
  now: number,
  newId: () => string,
): OwnershipRow | null {
  if (!product) return null;
  const serial = event.body.product?.serial ?? "";
  const existing = q.ownershipByKey.get({ customerId: customer.id, productId: product.id, serial });
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
      q.insertOwnership.run(row);
      return toOwnership(row);
    }
    // A purchase followed by a registration of the same item stays one ownership;
    // a re-registration after a disposition revives it.
    const changes = { status: "active" as const, endedAt: null, updatedAt: now };
    q.updateOwnership.run({ ...changes, id: existing.id });
    return toOwnership({ ...existing, ...changes });
  }
  if (event.type === OWNERSHIP_END_TYPE && existing) {
    const changes = { status: "disposed" as const, endedAt: event.occurredAt, updatedAt: now };
    q.updateOwnership.run({ ...changes, id: existing.id });
    return toOwnership({ ...existing, ...changes });
  }
  return existing ? toOwnership(existing) : null;
}

/** The upserts of ingestEvent without a transaction of their own: the caller holds one on `db`. */
export function ingestWithin(db: Db, event: EventRow, now: number, newId: () => string): IngestedEvent {
  const q = queries(db);
  const customer = upsertCustomer(q, event, now, newId);
  const product = upsertProduct(q, event, now, newId);
  const ownership = upsertOwnership(q, event, customer, product, now, newId);
  return { customer, product, ownership };
}

export function ingestEvent(db: Db, event: EventRow, now: number, newId: () => string): IngestedEvent {
  return db.transaction(() => ingestWithin(db, event, now, newId));
}
