/**
 * Suppressions written for a customer rather than for an inbound message: an unsubscribe
 * through a link (RFC 8058 one-click, the unsubscribe page) or, since every unsubscribe
 * lands in one place (src/consent/unsubscribe.ts), by reply or mailto too.
 *
 * Once per address: the row is inserted unless one exists (`on conflict do nothing`), so
 * a repeated request changes nothing, and a stronger reason already recorded (a hard
 * bounce, a complaint) is never weakened to an unsubscribe.
 */
import { sql } from "drizzle-orm";
import { getCustomer, getSuppression } from "./customer-lookups.js";
import { suppressions } from "./schema.js";
import { columnsOf } from "./sql/columns.js";
import type { Sql } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type { SuppressCustomerOutcome, SuppressionRow } from "./store.js";

const p = sql.placeholder;

const insertSuppression = query<SuppressionRow>(sql`
  insert into ${suppressions} (email, reason, interaction_id, created_at)
  values (${p("email")}, ${p("reason")}, null, ${p("now")})
  on conflict (email) do nothing
  returning ${columnsOf(suppressions)}`);

export async function suppressCustomer(
  t: Sql,
  customerId: string,
  reason: "unsubscribe",
  now: number,
): Promise<SuppressCustomerOutcome> {
  const customer = await getCustomer(t, customerId);
  if (!customer) return { outcome: "no-customer" };
  const email = customer.email.toLowerCase();
  const added = await t.get(insertSuppression, { email, reason, now });
  if (added) return { outcome: "suppressed", email, suppression: added };
  const existing = await getSuppression(t, email);
  if (!existing) throw new Error(`the suppression of ${email} conflicted with no row`);
  return { outcome: "already", email, suppression: existing };
}
