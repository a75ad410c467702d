/**
 * Customers, products and ownerships as events describe them. Upserts merge: a field
 * an event leaves out keeps its stored value, so a later purchase event without a
 * birthday does not erase the birthday a registration gave.
 *
 * Each upsert is one `insert … on conflict (natural key) do update … returning`, so two
 * events for the same new customer at once never fail on the unique email: on Postgres
 * the second waits for the first to commit and then updates the row, holding its row
 * lock to the end of the transaction. That lock is what serialises everything else done
 * for one customer in the same transaction (the attributes merge below, `at_most_once_in`
 * in run-inserts.ts). SQLite needs none of this (BEGIN IMMEDIATE: one writer at a time).
 * A product, shared by all its owners, is read first and upserted only when the event
 * brings something new about it, so its row lock is not held by every registration.
 */
import { sql } from "drizzle-orm";
import { OWNERSHIP_END_TYPE, OWNERSHIP_START_TYPES } from "../events/event-body.js";
import { findCustomerByEmail, getCustomer, getOwnership, getSuppression } from "./customer-lookups.js";
import { toCustomer, toOwnership, toProduct } from "./rows.js";
import { customers, events, ownerships, products } from "./schema.js";
import { columnsOf, unprefix } from "./sql/columns.js";
import type { Database, Sql } from "./sql/handle.js";
import { type Query, query } from "./sql/query.js";
import type {
  CustomerRow,
  CustomerStore,
  EventRow,
  IngestedEvent,
  OwnershipRow,
  ProductRow,
} from "./store.js";
import { suppressCustomer } from "./suppressions.js";

type CustomerRecord = typeof customers.$inferSelect;
type ProductRecord = typeof products.$inferSelect;
type OwnershipRecord = typeof ownerships.$inferSelect;
const p = sql.placeholder;
/** The event brings a phone number other than the stored one (in ON CONFLICT, columns are the old row's). */
const newPhone = sql`excluded.phone is not null and (${customers.phone} is null or excluded.phone <> ${customers.phone})`;

// A field the event leaves out (null) keeps the stored value. SMS consent is to a number:
// a consent in the event replaces the stored one; a new phone number without one clears it.
const upsertCustomerQuery = query<CustomerRecord>(sql`
  insert into ${customers} (id, email, name, timezone, locale, birthday, phone, sms_consent, sms_consent_source,
    sms_consent_at, attributes, tags, created_at, updated_at)
  values (${p("id")}, ${p("email")}, ${p("name")}, ${p("timezone")}, ${p("locale")}, ${p("birthday")},
    ${p("phone")}, ${p("smsConsent")}, ${p("smsConsentSource")}, ${p("smsConsentAt")},
    ${p("attributes")}, '[]', ${p("now")}, ${p("now")})
  on conflict (email) do update set
    name = coalesce(excluded.name, ${customers.name}),
    timezone = coalesce(excluded.timezone, ${customers.timezone}),
    locale = coalesce(excluded.locale, ${customers.locale}),
    birthday = coalesce(excluded.birthday, ${customers.birthday}),
    phone = coalesce(excluded.phone, ${customers.phone}),
    sms_consent = case when excluded.sms_consent_source is not null then excluded.sms_consent
      when ${newPhone} then null else ${customers.smsConsent} end,
    sms_consent_source = case when excluded.sms_consent_source is not null then excluded.sms_consent_source
      when ${newPhone} then null else ${customers.smsConsentSource} end,
    sms_consent_at = case when excluded.sms_consent_source is not null then excluded.sms_consent_at
      when ${newPhone} then null else ${customers.smsConsentAt} end,
    updated_at = excluded.updated_at
  returning ${columnsOf(customers)}`);
/**
 * Postgres: the customer's upsert with, in the same statement (a round trip each fewer;
 * SQLite takes no insert in a WITH, and a statement there is no round trip):
 *   - the read of the event's product (upsertProduct's first read), under "p_";
 *   - the event marked processed, if it was only received: "eventMarked" says whether it
 *     was (false: an earlier attempt marked it; run-inserts.ts then looks for its runs).
 *     Within the transaction this is what startRunsWithin did last; it commits with the
 *     runs, or not at all.
 */
const upsertCustomerOnPostgres = new Map<string, Query<CustomerRecord & Record<string, unknown>>>();
function upsertCustomerWith(
  readProduct: boolean,
  markEvent: boolean,
): Query<CustomerRecord & Record<string, unknown>> {
  const key = `${readProduct}:${markEvent}`;
  const kept = upsertCustomerOnPostgres.get(key);
  if (kept) return kept;
  const marked = markEvent
    ? sql`, marked as (
        update ${events} set status = 'processed', processed_at = ${p("now")}, customer_id = c.id, error = null
        from c where ${events.id} = ${p("eventId")} and ${events.status} = 'received'
        returning ${events.id})`
    : sql``;
  const product = readProduct ? sql`, ${columnsOf(products, "p_")}` : sql``;
  const eventMarked = markEvent ? sql`, exists (select 1 from marked) as "eventMarked"` : sql``;
  const join = readProduct ? sql` left join ${products} on ${products.sku} = ${p("sku")}` : sql``;
  const q = query<CustomerRecord & Record<string, unknown>>(sql`
    with c as (${upsertCustomerQuery.sql})${marked}
    select c.*${product}${eventMarked} from c${join}`);
  upsertCustomerOnPostgres.set(key, q);
  return q;
}
const setAttributes = query(sql`
  update ${customers} set attributes = ${p("attributes")} where id = ${p("id")}`);

const upsertProductQuery = query<ProductRecord>(sql`
  insert into ${products} (id, sku, name, category, relationship, created_at, updated_at)
  values (${p("id")}, ${p("sku")}, ${p("name")}, ${p("category")}, ${p("relationship")}, ${p("now")}, ${p("now")})
  on conflict (sku) do update set
    name = coalesce(excluded.name, ${products.name}),
    category = coalesce(excluded.category, ${products.category}),
    relationship = coalesce(excluded.relationship, ${products.relationship}),
    updated_at = excluded.updated_at
  returning ${columnsOf(products)}`);

const productBySku = query<ProductRecord>(
  sql`select ${columnsOf(products)} from ${products} where sku = ${p("sku")}`,
);

// A purchase followed by a registration of the same item stays one ownership (of the
// first kind); a re-registration after a disposition revives it.
const startOwnership = query<OwnershipRecord>(sql`
  insert into ${ownerships} (id, customer_id, product_id, serial, kind, status, started_at, ended_at, created_at, updated_at)
  values (${p("id")}, ${p("customerId")}, ${p("productId")}, ${p("serial")}, ${p("kind")}, 'active',
    ${p("startedAt")}, null, ${p("now")}, ${p("now")})
  on conflict (customer_id, product_id, serial) do update set
    status = 'active', ended_at = null, updated_at = excluded.updated_at
  returning ${columnsOf(ownerships)}`);
const endOwnership = query<OwnershipRecord>(sql`
  update ${ownerships} set status = 'disposed', ended_at = ${p("endedAt")}, updated_at = ${p("now")}
  where customer_id = ${p("customerId")} and product_id = ${p("productId")} and serial = ${p("serial")}
  returning ${columnsOf(ownerships)}`);
const ownershipByKey = query<OwnershipRecord>(sql`
  select ${columnsOf(ownerships)} from ${ownerships}
  where customer_id = ${p("customerId")} and product_id = ${p("productId")} and serial = ${p("serial")}`);

/**
 * The customer, and on Postgres the stored row of the event's product read in the same
 * statement (`product`: null when there is none yet; undefined when not read) and, when
 * `markEvent`, the event marked processed there too (`eventMarked`; undefined: not tried).
 */
async function upsertCustomer(
  t: Sql,
  event: EventRow,
  now: number,
  newId: () => string,
  markEvent: boolean,
): Promise<{ customer: CustomerRow; product?: ProductRecord | null; eventMarked?: boolean }> {
  const input = event.body.customer;
  const id = newId();
  const onPostgres = t.dialect === "postgres";
  const sku = onPostgres ? event.body.product?.sku : undefined;
  const marking = onPostgres && markEvent;
  const statement =
    sku === undefined && !marking ? upsertCustomerQuery : upsertCustomerWith(sku !== undefined, marking);
  const row = await t.get(statement, {
    ...(sku === undefined ? {} : { sku }),
    ...(marking ? { eventId: event.id } : {}),
    id,
    email: input.email.toLowerCase(),
    name: input.name ?? null,
    timezone: input.timezone ?? null,
    locale: input.locale ?? null,
    birthday: input.birthday ?? null,
    phone: input.phone ?? null,
    smsConsent: input.consent ? input.consent.sms : null,
    smsConsentSource: input.consent?.source ?? null,
    smsConsentAt: input.consent ? (input.consent.at ? Date.parse(input.consent.at) : event.occurredAt) : null,
    attributes: JSON.stringify(input.attributes ?? {}),
    now,
  });
  if (!row) throw new Error(`customer ${input.email} was not stored`);
  const customer = toCustomer(
    statement === upsertCustomerQuery ? row : unprefix<CustomerRecord>(row, "", customers),
  );
  const eventMarked = marking ? Boolean((row as Record<string, unknown>).eventMarked) : undefined;
  // An existing customer's attributes merge key by key: read (under the row lock the
  // upsert took) and written back.
  if (row.id !== id && input.attributes && Object.keys(input.attributes).length > 0) {
    customer.attributes = { ...customer.attributes, ...input.attributes };
    await t.run(setAttributes, { id: row.id, attributes: JSON.stringify(customer.attributes) });
  }
  if (sku === undefined) return { customer, eventMarked };
  const joined = row as Record<string, unknown>;
  return {
    customer,
    eventMarked,
    product: joined.p_id == null ? null : unprefix<ProductRecord>(joined, "p_", products),
  };
}

async function upsertProduct(
  t: Sql,
  event: EventRow,
  now: number,
  newId: () => string,
  /** The stored row as read already (null: none); undefined: read here. */
  read: ProductRecord | null | undefined,
): Promise<ProductRow | null> {
  const input = event.body.product;
  if (!input) return null;
  // Read first, and written only when the event brings something new: every registration
  // of one product would otherwise update its one row, and on Postgres hold that row's lock
  // to the end of the transaction, so a product's registrations would ingest one at a time.
  const stored = read === undefined ? await t.get(productBySku, { sku: input.sku }) : read;
  if (stored && bringsNothingNew(input, stored)) return toProduct(stored);
  const row = await t.get(upsertProductQuery, {
    id: newId(),
    sku: input.sku,
    name: input.name ?? null,
    category: input.category ?? null,
    relationship: input.relationship ?? null,
    now,
  });
  if (!row) throw new Error(`product ${input.sku} was not stored`);
  return toProduct(row);
}

function bringsNothingNew(
  input: { name?: string | null; category?: string | null; relationship?: string | null },
  stored: ProductRecord,
): boolean {
  const same = (given: string | null | undefined, kept: string | null) => given == null || given === kept;
  return (
    same(input.name, stored.name) &&
    same(input.category, stored.category) &&
    same(input.relationship, stored.relationship)
  );
}

async function upsertOwnership(
  t: Sql,
  event: EventRow,
  customer: CustomerRow,
  product: ProductRow | null,
  now: number,
  newId: () => string,
): Promise<OwnershipRow | null> {
  if (!product) return null;
  const key = { customerId: customer.id, productId: product.id, serial: event.body.product?.serial ?? "" };
  let row: OwnershipRecord | undefined;
  if (OWNERSHIP_START_TYPES.has(event.type)) {
    row = await t.get(startOwnership, {
      ...key,
      id: newId(),
      kind: event.type,
      startedAt: event.occurredAt,
      now,
    });
    if (!row) throw new Error(`the ownership of ${product.sku} by ${customer.email} was not stored`);
  } else if (event.type === OWNERSHIP_END_TYPE) {
    row = await t.get(endOwnership, { ...key, endedAt: event.occurredAt, now });
  } else {
    row = await t.get(ownershipByKey, key);
  }
  return row ? toOwnership(row) : null;
}

/** The upserts of ingestEvent inside the caller's transaction (ingestAndStartRuns, tests). */
export async function ingestWithin(
  t: Sql,
  event: EventRow,
  now: number,
  newId: () => string,
): Promise<IngestedEvent> {
  return (await ingestMarkingEvent(t, event, now, newId, false)).ingested;
}

/**
 * ingestWithin, and with `markEvent` on Postgres the event marked processed in the same
 * round trip as the customer (`eventMarked`: whether it was only received until now;
 * undefined where not tried, SQLite: startRunsWithin marks it).
 */
export async function ingestMarkingEvent(
  t: Sql,
  event: EventRow,
  now: number,
  newId: () => string,
  markEvent: boolean,
): Promise<{ ingested: IngestedEvent; eventMarked?: boolean }> {
  const {
    customer,
    product: storedProduct,
    eventMarked,
  } = await upsertCustomer(t, event, now, newId, markEvent);
  const product = await upsertProduct(t, event, now, newId, storedProduct);
  const ownership = await upsertOwnership(t, event, customer, product, now, newId);
  return { ingested: { customer, product, ownership }, eventMarked };
}

export function customerStore(db: Database, newId: () => string): CustomerStore {
  return {
    ingestEvent: (event, now) => db.tx((t) => ingestWithin(t, event, now, newId)),
    getOwnership: (id) => db.read((t) => getOwnership(t, id)),
    findCustomerByEmail: (email) => db.read((t) => findCustomerByEmail(t, email)),
    getCustomer: (id) => db.read((t) => getCustomer(t, id)),
    getSuppression: (email) => db.read((t) => getSuppression(t, email)),
    suppressCustomer: (customerId, reason, now) => db.tx((t) => suppressCustomer(t, customerId, reason, now)),
  };
}
