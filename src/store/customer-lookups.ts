/** Looking up customers, their ownerships and their suppressions (the inbound job, delivery). */
import { sql } from "drizzle-orm";
import { isOwnershipIdPrefix } from "../mail/tokens.js";
import { toCustomer, toOwnership, toProduct } from "./rows.js";
import { customers, ownerships, products, suppressions } from "./schema.js";
import { columnsOf, unprefix } from "./sql/columns.js";
import type { Sql } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type { CustomerRow, OwnershipRow, ProductRow, SuppressionRow } from "./store.js";

type CustomerRecord = typeof customers.$inferSelect;
type OwnershipRecord = typeof ownerships.$inferSelect;
type ProductRecord = typeof products.$inferSelect;
const p = sql.placeholder;

const ownedSelect = sql`
  select ${columnsOf(ownerships, "o_")}, ${columnsOf(products, "p_")}
  from ${ownerships} inner join ${products} on ${products.id} = ${ownerships.productId}`;
const ownershipById = query<Record<string, unknown>>(sql`${ownedSelect} where ${ownerships.id} = ${p("id")}`);
// SQLite compares text bytewise, so the prefix is a range scan of the primary key.
const ownershipsByPrefixRange = query<Record<string, unknown>>(sql`
  ${ownedSelect} where ${ownerships.id} >= ${p("from")} and ${ownerships.id} < ${p("to")} limit 2`);
// Postgres orders text by the database's collation, under which '-' and '.' need not
// sort as bytes do: LIKE matches characters whatever the collation.
const ownershipsByPrefixLike = query<Record<string, unknown>>(sql`
  ${ownedSelect} where ${ownerships.id} like ${p("pattern")} limit 2`);

const customerByEmail = query<CustomerRecord>(sql`
  select ${columnsOf(customers)} from ${customers} where email = ${p("email")}`);
const customerById = query<CustomerRecord>(sql`
  select ${columnsOf(customers)} from ${customers} where id = ${p("id")}`);
const suppressionByEmail = query<SuppressionRow>(sql`
  select ${columnsOf(suppressions)} from ${suppressions} where email = ${p("email")}`);

/**
 * An ownership by its id, or by the 13-character id prefix a short owner line carries
 * (src/mail/tokens.ts). A prefix two ownerships share finds neither: mail to that line
 * is never attributed to a guess.
 */
export async function getOwnership(
  t: Sql,
  id: string,
): Promise<(OwnershipRow & { product: ProductRow }) | null> {
  let rows: Record<string, unknown>[];
  if (!isOwnershipIdPrefix(id)) rows = await t.all(ownershipById, { id });
  else if (t.dialect === "sqlite")
    rows = await t.all(ownershipsByPrefixRange, { from: `${id}-`, to: `${id}.` });
  // The prefix is hex digits and one '-', so it holds no LIKE wildcard.
  else rows = await t.all(ownershipsByPrefixLike, { pattern: `${id}-%` });
  const row = rows.length === 1 ? rows[0] : undefined;
  if (!row) return null;
  return {
    ...toOwnership(unprefix<OwnershipRecord>(row, "o_", ownerships)),
    product: toProduct(unprefix<ProductRecord>(row, "p_", products)),
  };
}

export async function findCustomerByEmail(t: Sql, email: string): Promise<CustomerRow | null> {
  const row = await t.get(customerByEmail, { email: email.toLowerCase() });
  return row ? toCustomer(row) : null;
}

export async function getCustomer(t: Sql, id: string): Promise<CustomerRow | null> {
  const row = await t.get(customerById, { id });
  return row ? toCustomer(row) : null;
}

export async function getSuppression(t: Sql, email: string): Promise<SuppressionRow | null> {
  return (await t.get(suppressionByEmail, { email: email.toLowerCase() })) ?? null;
}
