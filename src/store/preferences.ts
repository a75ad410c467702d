/**
 * A customer's preferences, changed together with the preference_changed event that
 * records the change (and, for "stop everything", the unsubscribe suppression that the
 * reply and mailto paths write too), so a one-click POST has taken effect when it answers.
 *
 * Postgres: the customer's row is read FOR UPDATE, so two changes at once (a one-click
 * POST and a page save) merge one after the other instead of one losing the other's
 * choice. SQLite needs nothing (BEGIN IMMEDIATE: one writer at a time).
 */
import { sql } from "drizzle-orm";
import {
  changeProperties,
  mergePreferences,
  PREFERENCE_CHANGED_EVENT,
  PREFERENCE_SOURCES,
  type PreferenceChange,
  type PreferenceSource,
  PreferencesError,
  type ProfileChange,
  parsePreferenceChange,
  parseProfileChange,
  parseStoredPreferences,
} from "../consent/preferences.js";
import type { EventBody } from "../events/event-body.js";
import { getCustomer, getSuppression } from "./customer-lookups.js";
import { toOwnership, toProduct } from "./rows.js";
import { customers, events, ownerships, products, suppressions } from "./schema.js";
import { columnsOf, unprefix } from "./sql/columns.js";
import type { Database, Sql } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type { PreferenceChangeResult, PreferencePageSubject, PreferenceStore } from "./store.js";

const p = sql.placeholder;

type Held = {
  id: string;
  email: string;
  preferences: string;
  birthday: string | null;
  timezone: string | null;
};
const customerOf = query<Held>(sql`
  select id, email, preferences, birthday, timezone from ${customers} where id = ${p("id")}`);
const customerForUpdate = query<Held>(sql`
  select id, email, preferences, birthday, timezone from ${customers} where id = ${p("id")} for update`);
// The birthday and time zone ride along (the preference page); unchanged ones are written back as read.
const setPreferences = query(sql`
  update ${customers} set preferences = ${p("preferences")}, birthday = ${p("birthday")},
    timezone = ${p("timezone")}, updated_at = ${p("now")}
  where id = ${p("id")}`);
// Received, like an event from the shop: the events job starts the flows it triggers.
const insertEvent = query(sql`
  insert into ${events} (id, type, occurred_at, received_at, customer_email, payload, status, customer_id)
  values (${p("id")}, ${p("type")}, ${p("now")}, ${p("now")}, ${p("email")}, ${p("payload")}, 'received',
    ${p("customerId")})`);
// A hard bounce or complaint already there is stronger: it stays.
const unsubscribe = query(sql`
  insert into ${suppressions} (email, reason, interaction_id, created_at)
  values (${p("email")}, 'unsubscribe', null, ${p("now")})
  on conflict (email) do nothing`);
const resubscribe = query(sql`
  delete from ${suppressions} where email = ${p("email")} and reason = 'unsubscribe'`);

export async function changePreferences(
  t: Sql,
  customerId: string,
  change: PreferenceChange,
  source: PreferenceSource,
  now: number,
  newId: () => string,
  profile: ProfileChange = {},
): Promise<PreferenceChangeResult | null> {
  const row = await t.get(t.dialect === "postgres" ? customerForUpdate : customerOf, { id: customerId });
  if (!row) return null;
  const merged = mergePreferences(parseStoredPreferences(row.preferences, row.id), change, source, now);
  // Also when nothing changed: a customer who stopped everything before the suppression
  // existed gets it now. Idempotent either way.
  if (change.all === false) await t.run(unsubscribe, { email: row.email, now });
  if (change.all === true) await t.run(resubscribe, { email: row.email });
  // Only what differs from the row as it is now counts as changed.
  const newProfile: ProfileChange = {};
  if (profile.birthday !== undefined && profile.birthday !== row.birthday)
    newProfile.birthday = profile.birthday;
  if (profile.timezone !== undefined && profile.timezone !== row.timezone)
    newProfile.timezone = profile.timezone;
  const changed = [...merged.changed, ...Object.keys(newProfile)].sort();
  if (changed.length === 0) return { preferences: merged.preferences, changed: [], eventId: null };

  await t.run(setPreferences, {
    id: row.id,
    preferences: JSON.stringify(merged.preferences),
    birthday: newProfile.birthday !== undefined ? newProfile.birthday : row.birthday,
    timezone: newProfile.timezone !== undefined ? newProfile.timezone : row.timezone,
    now,
  });
  const eventId = newId();
  const body: EventBody = {
    id: eventId,
    type: PREFERENCE_CHANGED_EVENT,
    occurredAt: new Date(now).toISOString(),
    customer: { email: row.email },
    properties: changeProperties(merged, source, newProfile),
  };
  await t.run(insertEvent, {
    id: eventId,
    type: PREFERENCE_CHANGED_EVENT,
    now,
    email: row.email,
    payload: JSON.stringify(body),
    customerId: row.id,
  });
  return { preferences: merged.preferences, changed, eventId };
}

const ownedBy = query<Record<string, unknown>>(sql`
  select ${columnsOf(ownerships, "o_")}, ${columnsOf(products, "p_")}
  from ${ownerships} inner join ${products} on ${products.id} = ${ownerships.productId}
  where ${ownerships.customerId} = ${p("customerId")}
  order by ${ownerships.startedAt}, ${ownerships.id}`);

export async function preferencePage(t: Sql, customerId: string): Promise<PreferencePageSubject | null> {
  const customer = await getCustomer(t, customerId);
  if (!customer) return null;
  const owned = (await t.all(ownedBy, { customerId })).map((r) => ({
    ...toOwnership(unprefix(r, "o_", ownerships)),
    product: toProduct(unprefix(r, "p_", products)),
  }));
  return { customer, owned, suppression: await getSuppression(t, customer.email) };
}

export function preferenceStore(db: Database, newId: () => string): PreferenceStore {
  return {
    changePreferences: async (customerId, change, source, now, profile = {}) => {
      // Checked before the transaction: a route passing a bad change gets an error naming the field.
      const checked = parsePreferenceChange(change);
      const checkedProfile = parseProfileChange(profile);
      if (!PREFERENCE_SOURCES.includes(source))
        throw new PreferencesError(
          `not a preference source: ${JSON.stringify(source)} (expected one of ${PREFERENCE_SOURCES.join(", ")})`,
        );
      return db.tx((t) => changePreferences(t, customerId, checked, source, now, newId, checkedProfile));
    },
    preferencePage: (customerId) => db.read((t) => preferencePage(t, customerId)),
  };
}
