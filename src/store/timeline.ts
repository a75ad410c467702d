/** Everything the store knows about one customer, oldest first: for people to read. */
import { asc, eq, inArray } from "drizzle-orm";
import type { Db } from "./db.js";
import { failedInboundOfDb as failedInboundOf } from "./failures.js";
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
import type { Timeline } from "./store.js";

export function timeline(db: Db, email: string): Timeline | null {
  const c = db.select().from(customers).where(eq(customers.email, email.toLowerCase())).get();
  if (!c) return null;
  const owned = db
    .select()
    .from(ownerships)
    .innerJoin(products, eq(products.id, ownerships.productId))
    .where(eq(ownerships.customerId, c.id))
    .orderBy(asc(ownerships.startedAt))
    .all()
    .map((r) => ({ ...toOwnership(r.ownerships), product: toProduct(r.products) }));
  const runs = db
    .select()
    .from(flowRuns)
    .where(eq(flowRuns.customerId, c.id))
    .orderBy(asc(flowRuns.createdAt))
    .all()
    .map(toRun);
  const steps = runs.length
    ? db
        .select()
        .from(runSteps)
        .where(
          inArray(
            runSteps.runId,
            runs.map((r) => r.id),
          ),
        )
        .orderBy(asc(runSteps.id))
        .all()
    : [];
  return {
    customer: toCustomer(c),
    ownerships: owned,
    events: db
      .select()
      .from(events)
      .where(eq(events.customerId, c.id))
      .orderBy(asc(events.occurredAt))
      .all()
      .map(toEvent),
    runs: runs.map((r) => ({
      ...r,
      steps: steps.filter((s) => s.runId === r.id).map(({ id: _id, ...s }) => s),
    })),
    messages: db
      .select()
      .from(messages)
      .where(eq(messages.customerId, c.id))
      .orderBy(asc(messages.createdAt))
      .all()
      .map(toMessage)
      .map((m) => ({ ...m, possibleDuplicate: m.status === "sent" && m.uncertainAttempts > 0 })),
    interactions: db
      .select()
      .from(interactions)
      .where(eq(interactions.customerId, c.id))
      .orderBy(asc(interactions.occurredAt))
      .all()
      .map(toInteraction),
    suppression: db.select().from(suppressions).where(eq(suppressions.email, c.email)).get() ?? null,
    failedInbound: failedInboundOf(db, c.id),
  };
}
