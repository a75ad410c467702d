/**
 * The store's SMS lookups and the STOP list, for incoming texts:
 *   findCustomerByPhone(phone)  the customer with that number (the most recently updated,
 *                               should two have given the same one)
 *   latestSmsTo(phone)          the last SMS we sent to it: a reply is attributed to it
 *                               (its run, its product), as an email reply is by its token
 *   stopSms(phone, text, now)   the number texted STOP: no SMS goes to it; true when it was
 *                               not stopped before (so the confirmation goes once)
 *   startSms(phone)             START: the STOP is lifted (a permanent failure is not)
 */
import { sql } from "drizzle-orm";
import { toCustomer, toMessage } from "./rows.js";
import { customers, messages, smsSuppressions } from "./schema.js";
import { columnsOf } from "./sql/columns.js";
import type { Database } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type { CustomerRow, MessageRow } from "./store.js";

const p = sql.placeholder;

const customerByPhone = query<typeof customers.$inferSelect>(sql`
  select ${columnsOf(customers)} from ${customers} where phone = ${p("phone")}
  order by updated_at desc, id limit 1`);
const lastSms = query<typeof messages.$inferSelect>(sql`
  select ${columnsOf(messages)} from ${messages}
  where channel = 'sms' and to_address = ${p("phone")} and status in ('sent', 'failed') and sent_at is not null
  order by sent_at desc, id desc limit 1`);
const insertStop = query<{ phone: string }>(sql`
  insert into ${smsSuppressions} (phone, reason, detail, created_at)
  values (${p("phone")}, 'stop', ${p("detail")}, ${p("now")})
  on conflict (phone) do nothing
  returning phone`);
const deleteStop = query(sql`delete from ${smsSuppressions} where phone = ${p("phone")} and reason = 'stop'`);

export interface SmsStore {
  findCustomerByPhone(phone: string): Promise<CustomerRow | null>;
  latestSmsTo(phone: string): Promise<MessageRow | null>;
  stopSms(phone: string, text: string, now: number): Promise<boolean>;
  startSms(phone: string): Promise<boolean>;
}

export function smsStore(db: Database): SmsStore {
  return {
    findCustomerByPhone: (phone) =>
      db.read(async (t) => {
        const row = await t.get(customerByPhone, { phone });
        return row ? toCustomer(row) : null;
      }),
    latestSmsTo: (phone) =>
      db.read(async (t) => {
        const row = await t.get(lastSms, { phone });
        return row ? toMessage(row) : null;
      }),
    stopSms: (phone, text, now) =>
      db.tx(async (t) => (await t.get(insertStop, { phone, detail: text.slice(0, 160), now })) !== undefined),
    startSms: (phone) => db.tx(async (t) => (await t.run(deleteStop, { phone })) > 0),
  };
}
