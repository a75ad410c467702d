/**
 * Who a broadcast reaches: the active owners of a product (a SKU audience) or of every
 * product in a category, and, for a category, its former owners who asked to stay in touch
 * (customers.preferences.stayInTouch: "is it really over when I sell my Chevy?").
 *
 * SKU audiences stay with current owners: news about one model (a firmware update, a
 * recall, an accessory that fits it) is for whoever has it now; staying in touch is about
 * the category (issue 10, item 8).
 *
 * The audience is read a page at a time in (product id, ownership id) order, each
 * product's owners through the index ownerships(product_id, status, id): the active ones
 * and the former ones are two ranges of it, merged by the database (UNION ALL, ORDER BY),
 * so every comparison of ids is the database's collation's and a page costs the same at
 * the millionth owner as at the first.
 *
 * A customer is in a category's audience once:
 * - someone who still owns a product of the category is reached through it; their
 *   disposed ownerships are left out;
 * - someone who only had some is reached through the first (in that order) of those;
 * - a former owner counts only with stayInTouch. Preferences are JSON text, read in code
 *   (no dialect's JSON functions): rows are filtered after the page query, and the cursor
 *   moves past every row read, kept or not, so a page of former owners who did not ask
 *   still moves the broadcast on. (`preferences <> '{}'` in SQL only skips the customers
 *   who chose nothing, exactly: they cannot have asked.)
 * countAudience counts the same rows by the same rules, so `total` is what the pages will
 * hand out when nothing changes in between.
 */
import { sql } from "drizzle-orm";
import { parseStoredPreferences } from "../consent/preferences.js";
import { toCustomer, toOwnership, toProduct } from "./rows.js";
import { customers, ownerships, products } from "./schema.js";
import { columnsOf, unprefix } from "./sql/columns.js";
import type { Sql } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type { AudienceOwner, AudiencePage, BroadcastAudience, BroadcastCursor, ProductRow } from "./store.js";

type ProductRecord = typeof products.$inferSelect;
type OwnershipRecord = typeof ownerships.$inferSelect;
type CustomerRecord = typeof customers.$inferSelect;
const p = sql.placeholder;

const productsBySku = query<ProductRecord>(sql`
  select ${columnsOf(products)} from ${products}
  where sku = ${p("sku")} and id >= ${p("from")} order by id`);
const productsByCategory = query<ProductRecord>(sql`
  select ${columnsOf(products)} from ${products}
  where category = ${p("category")} and id >= ${p("from")} order by id`);
const countBySku = query<{ n: number }>(sql`
  select count(*) as n from ${ownerships}
  where status = 'active' and product_id in (select id from ${products} where sku = ${p("sku")})`);
const countByCategory = query<{ n: number }>(sql`
  select count(*) as n from ${ownerships}
  where status = 'active' and product_id in (select id from ${products} where category = ${p("category")})`);

const ownerColumns = sql`${columnsOf(ownerships, "o_")}, ${columnsOf(customers, "c_")}`;
const ownerJoin = sql`${ownerships} join ${customers} on ${customers}.id = ${ownerships}.customer_id`;

/** One product's active owners after `after`. */
const activeOwnersSql = sql`
  select ${ownerColumns} from ${ownerJoin}
  where ${ownerships}.product_id = ${p("productId")} and ${ownerships}.status = 'active'
    and ${ownerships}.id > ${p("after")}
  order by ${ownerships}.id limit ${p("limit")}`;

/**
 * The disposed ownerships of one product after `after` that stand for their customer in
 * the category: no active ownership of the category, and no disposed one before it in
 * (product id, ownership id) order. Customers who chose nothing are skipped here.
 */
const formerOwnersWhere = sql`
  ${ownerships}.product_id = ${p("productId")} and ${ownerships}.status = 'disposed'
    and ${ownerships}.id > ${p("after")}
    and ${customers}.preferences <> '{}'
    and not exists (
      select 1 from ${ownerships} o2 join ${products} p2 on p2.id = o2.product_id
      where o2.customer_id = ${ownerships}.customer_id and p2.category = ${p("category")}
        and (o2.status = 'active' or o2.product_id < ${ownerships}.product_id
          or (o2.product_id = ${ownerships}.product_id and o2.id < ${ownerships}.id)))`;

const activeOwnersOf = query<Record<string, unknown>>(activeOwnersSql);
const ownersAndFormerOwnersOf = query<Record<string, unknown>>(sql`
  select * from (${activeOwnersSql}) active_owners
  union all
  select * from (
    select ${ownerColumns} from ${ownerJoin} where ${formerOwnersWhere}
    order by ${ownerships}.id limit ${p("limit")}
  ) former_owners
  order by "o_id" limit ${p("limit")}`);
const formerOwnerPreferences = query<{ ownershipId: string; customerId: string; preferences: string }>(sql`
  select ${ownerships}.id as "ownershipId", ${customers}.id as "customerId", ${customers}.preferences as "preferences"
  from ${ownerJoin} where ${formerOwnersWhere}
  order by ${ownerships}.id limit ${p("limit")}`);

/** Former owners read per query when counting. */
const COUNT_PAGE = 1000;

/** The rule that code, not SQL, applies: an active owner, or a former one who asked to stay in touch. */
function inAudience(owner: AudienceOwner): boolean {
  return owner.ownership.status === "active" || owner.customer.preferences.stayInTouch === true;
}

/** The audience's products in id order, from `from` on ("" for all). */
async function audienceProducts(t: Sql, audience: BroadcastAudience, from: string): Promise<ProductRow[]> {
  const rows =
    audience.sku !== undefined
      ? await t.all(productsBySku, { sku: audience.sku, from })
      : await t.all(productsByCategory, { category: audience.category, from });
  return rows.map(toProduct);
}

/** Former owners of a category who stay in touch, one per customer (the same rows the pages keep). */
async function countFormerOwners(t: Sql, category: string): Promise<number> {
  let n = 0;
  for (const product of await audienceProducts(t, { category }, "")) {
    let after = "";
    for (;;) {
      const rows = await t.all(formerOwnerPreferences, {
        productId: product.id,
        category,
        after,
        limit: COUNT_PAGE,
      });
      for (const r of rows) {
        if (parseStoredPreferences(r.preferences, r.customerId).stayInTouch === true) n++;
      }
      const last = rows.at(-1);
      if (!last || rows.length < COUNT_PAGE) break;
      after = last.ownershipId;
    }
  }
  return n;
}

export async function countAudience(t: Sql, audience: BroadcastAudience): Promise<number> {
  if (audience.sku !== undefined) return (await t.get(countBySku, { sku: audience.sku }))?.n ?? 0;
  const active = (await t.get(countByCategory, { category: audience.category }))?.n ?? 0;
  return active + (await countFormerOwners(t, audience.category));
}

/**
 * Up to `limit` rows read after `cursor`, the ones in the audience returned: a page may
 * hold fewer owners than `limit` (none, even) and still not be the last.
 */
export async function audiencePage(
  t: Sql,
  audience: BroadcastAudience,
  cursor: BroadcastCursor | null,
  limit: number,
): Promise<AudiencePage> {
  const owners: AudienceOwner[] = [];
  let read = 0;
  let last: BroadcastCursor | null = null;
  for (const product of await audienceProducts(t, audience, cursor?.productId ?? "")) {
    const after = cursor && product.id === cursor.productId ? cursor.ownershipId : "";
    const params = { productId: product.id, after, limit: limit - read };
    const rows =
      audience.sku !== undefined
        ? await t.all(activeOwnersOf, params)
        : await t.all(ownersAndFormerOwnersOf, { ...params, category: audience.category });
    for (const r of rows) {
      read++;
      const owner: AudienceOwner = {
        product,
        ownership: toOwnership(unprefix<OwnershipRecord>(r, "o_", ownerships)),
        customer: toCustomer(unprefix<CustomerRecord>(r, "c_", customers)),
      };
      last = { productId: product.id, ownershipId: owner.ownership.id };
      if (inAudience(owner)) owners.push(owner);
    }
    if (read >= limit && last) return { owners, next: last, exhausted: false };
  }
  return { owners, next: last ?? cursor, exhausted: true };
}
