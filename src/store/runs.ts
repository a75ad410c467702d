/**
 * Flow runs: created once per entry key (run-inserts.ts), advanced under optimistic
 * concurrency (run-advance.ts), and read back for the step job and the sweeper.
 */
import { sql } from "drizzle-orm";
import { ingestMarkingEvent } from "./customers.js";
import { toCustomer, toEvent, toOwnership, toProduct, toRun } from "./rows.js";
import { applyAdvance, writesOnlyTheRun } from "./run-advance.js";
import { runBatches } from "./run-batches.js";
import { startRunsWithin } from "./run-inserts.js";
import { customers, events, flowRuns, ownerships, products } from "./schema.js";
import { columnsOf, unprefix } from "./sql/columns.js";
import type { Database, Sql } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type {
  AppliedAdvance,
  EventRow,
  IngestedEvent,
  NewRun,
  OwnershipRow,
  ProductRow,
  RunRow,
  RunStore,
} from "./store.js";

type RunRecord = typeof flowRuns.$inferSelect;
type OwnershipRecord = typeof ownerships.$inferSelect;
type ProductRecord = typeof products.$inferSelect;
const p = sql.placeholder;

const runById = query<RunRecord>(sql`select ${columnsOf(flowRuns)} from ${flowRuns} where id = ${p("id")}`);
const eventById = query<typeof events.$inferSelect>(sql`
  select ${columnsOf(events)} from ${events} where id = ${p("id")}`);
const customerById = query<typeof customers.$inferSelect>(sql`
  select ${columnsOf(customers)} from ${customers} where id = ${p("id")}`);
const ownedBy = query<Record<string, unknown>>(sql`
  select ${columnsOf(ownerships, "o_")}, ${columnsOf(products, "p_")}
  from ${ownerships} inner join ${products} on ${products.id} = ${ownerships.productId}
  where ${ownerships.customerId} = ${p("customerId")}`);
// Waiting runs past their wake-up, and runs started but never stepped (no wake-up),
// untouched since `before`. Never-stepped runs first, as SQLite has always ordered them.
const dueRuns = query<RunRecord>(sql`
  select ${columnsOf(flowRuns)} from ${flowRuns}
  where ((status = 'waiting' and wake_at <= ${p("now")}) or (status = 'active' and wake_at is null))
    and updated_at < ${p("before")}
  order by wake_at asc nulls first
  limit ${p("limit")}`);
const waitingRuns = query<RunRecord>(sql`
  select ${columnsOf(flowRuns)} from ${flowRuns}
  where customer_id = ${p("customerId")} and status = 'waiting'
  order by created_at asc`);

export async function getRun(t: Sql, id: string): Promise<RunRow | null> {
  const row = await t.get(runById, { id });
  return row ? toRun(row) : null;
}

export async function runContext(
  t: Sql,
  runId: string,
): Promise<{
  event: EventRow;
  ingested: IngestedEvent;
  ownerships: Array<OwnershipRow & { product: ProductRow }>;
} | null> {
  const run = await t.get(runById, { id: runId });
  if (!run) return null;
  const event = await t.get(eventById, { id: run.eventId });
  const customer = await t.get(customerById, { id: run.customerId });
  if (!event || !customer) return null;
  // Everything the customer owns or owned, for `owns:` conditions; the run's own
  // ownership is among them.
  const owned = (await t.all(ownedBy, { customerId: run.customerId })).map((r) => ({
    ...toOwnership(unprefix<OwnershipRecord>(r, "o_", ownerships)),
    product: toProduct(unprefix<ProductRecord>(r, "p_", products)),
  }));
  const mine = run.ownershipId ? owned.find((o) => o.id === run.ownershipId) : undefined;
  return {
    event: toEvent(event),
    ingested: {
      customer: toCustomer(customer),
      ownership: mine ? withoutProduct(mine) : null,
      product: mine ? mine.product : null,
    },
    ownerships: owned,
  };
}

function withoutProduct(o: OwnershipRow & { product: ProductRow }): OwnershipRow {
  const { product: _product, ...ownership } = o;
  return ownership;
}

export async function listDueRuns(t: Sql, now: number, before: number, limit: number): Promise<RunRow[]> {
  return (await t.all(dueRuns, { now, before, limit })).map(toRun);
}

export async function listWaitingRuns(t: Sql, customerId: string): Promise<RunRow[]> {
  return (await t.all(waitingRuns, { customerId })).map(toRun);
}

export function runStore(db: Database, newId: () => string): RunStore {
  // Postgres: the steps in flight at once share their read and their write (run-batches.ts).
  const batches = db.dialect === "postgres" ? runBatches(db) : null;
  return {
    startRuns: (eventId: string, customerId: string, runs: NewRun[], now: number) =>
      db.tx((t) => startRunsWithin(t, eventId, customerId, runs, now, newId)),
    // One transaction: the runs `runsFor` picks are started under the customer's row lock
    // the ingest took (run-inserts.ts relies on it for at_most_once_in).
    ingestAndStartRuns: (event, now, runsFor, firstAdvance) =>
      db.tx(async (t) => {
        // Postgres: the event is marked processed with the customer's upsert (one round trip fewer).
        const { ingested, eventMarked } = await ingestMarkingEvent(t, event, now, newId, true);
        const started = await startRunsWithin(
          t,
          event.id,
          ingested.customer.id,
          runsFor(ingested),
          now,
          newId,
          eventMarked,
        );
        const runs: RunRow[] = [];
        const advanced: AppliedAdvance[] = [];
        for (const run of started) {
          const step = firstAdvance?.(run, ingested);
          const outcome = step ? await applyAdvance(t, step) : null;
          if (outcome?.applied) advanced.push(outcome);
          else runs.push(run);
        }
        return { ingested, runs, advanced };
      }),
    getRun: (id) => (batches ? batches.getRun(id) : db.read((t) => getRun(t, id))),
    runContext: (id) => db.read((t) => runContext(t, id)),
    // Postgres: an advance that writes only the run and its history is one statement,
    // shared with the others in flight.
    applyAdvance: (a) =>
      batches && writesOnlyTheRun(a) ? batches.applyRunOnlyAdvance(a) : db.tx((t) => applyAdvance(t, a)),
    listDueRuns: (now, before, limit) => db.read((t) => listDueRuns(t, now, before, limit)),
    listWaitingRuns: (customerId) => db.read((t) => listWaitingRuns(t, customerId)),
  };
}
