/** Everything the store knows about one customer, oldest first: for people to read. */
import { sql } from "drizzle-orm";
import { failedInboundOf } from "./failures.js";
import { toCustomer, toEvent, toInteraction, toMessage, toOwnership, toProduct, toRun } from "./rows.js";
import {
  customers,
  events,
  flowRuns,
  interactions,
  messages,
  ownerships,
  products,
  runSteps,
  suppressions,
} from "./schema.js";
import { clicksOf } from "./short-links.js";
import { columnsOf, unprefix } from "./sql/columns.js";
import type { Database, Sql } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type { SuppressionRow, Timeline, TimelineStore } from "./store.js";

const p = sql.placeholder;

const customerByEmail = query<typeof customers.$inferSelect>(sql`
  select ${columnsOf(customers)} from ${customers} where email = ${p("email")}`);
const ownershipsOf = query<Record<string, unknown>>(sql`
  select ${columnsOf(ownerships, "o_")}, ${columnsOf(products, "p_")}
  from ${ownerships} join ${products} on ${products}.id = ${ownerships}.product_id
  where ${ownerships}.customer_id = ${p("customerId")}
  order by ${ownerships}.started_at`);
const runsOf = query<typeof flowRuns.$inferSelect>(sql`
  select ${columnsOf(flowRuns)} from ${flowRuns} where customer_id = ${p("customerId")} order by created_at`);
const stepsOf = query<typeof runSteps.$inferSelect>(sql`
  select ${columnsOf(runSteps)} from ${runSteps}
  join ${flowRuns} on ${flowRuns}.id = ${runSteps}.run_id
  where ${flowRuns}.customer_id = ${p("customerId")}
  order by ${runSteps}.id`);
const eventsOf = query<typeof events.$inferSelect>(sql`
  select ${columnsOf(events)} from ${events} where customer_id = ${p("customerId")} order by occurred_at`);
const messagesOf = query<typeof messages.$inferSelect>(sql`
  select ${columnsOf(messages)} from ${messages} where customer_id = ${p("customerId")} order by created_at`);
const interactionsOf = query<typeof interactions.$inferSelect>(sql`
  select ${columnsOf(interactions)} from ${interactions}
  where customer_id = ${p("customerId")} order by occurred_at`);
const suppressionOf = query<SuppressionRow>(sql`
  select ${columnsOf(suppressions)} from ${suppressions} where email = ${p("email")}`);

export async function timeline(t: Sql, email: string): Promise<Timeline | null> {
  const c = await t.get(customerByEmail, { email: email.toLowerCase() });
  if (!c) return null;
  const customerId = c.id;
  const owned = (await t.all(ownershipsOf, { customerId })).map((r) => ({
    ...toOwnership(unprefix(r, "o_", ownerships)),
    product: toProduct(unprefix(r, "p_", products)),
  }));
  const runs = (await t.all(runsOf, { customerId })).map(toRun);
  const steps = await t.all(stepsOf, { customerId });
  return {
    customer: toCustomer(c),
    ownerships: owned,
    events: (await t.all(eventsOf, { customerId })).map(toEvent),
    runs: runs.map((r) => ({
      ...r,
      steps: steps.filter((s) => s.runId === r.id).map(({ id: _id, ...s }) => s),
    })),
    messages: (await t.all(messagesOf, { customerId }))
      .map(toMessage)
      .map((m) => ({ ...m, possibleDuplicate: m.status === "sent" && m.uncertainAttempts > 0 })),
    interactions: (await t.all(interactionsOf, { customerId })).map(toInteraction),
    suppression: (await t.get(suppressionOf, { email: c.email })) ?? null,
    failedInbound: await failedInboundOf(t, customerId),
    clicks: await clicksOf(t, customerId),
  };
}

export function timelineStore(db: Database): TimelineStore {
  return { timeline: (email) => db.read((t) => timeline(t, email)) };
}
