/**
 * Broadcasts (product news): a flow run for every active owner of a product or category.
 *
 * The audience is read a page at a time in (product id, ownership id) order, each
 * product's owners through the index ownerships(product_id, status, id), so a page
 * costs the same at the millionth owner as at the first and nothing holds the whole
 * audience. A page's runs, the cursor after it and the counts are written in one
 * transaction: a job killed at any point resumes at the cursor and creates no run twice
 * (entry keys are unique, and a page is written only if the page count is still what
 * the job read).
 */
import { and, asc, eq, gt, inArray, lt, sql } from "drizzle-orm";
import { bound, type Db, prepared } from "./db.js";
import { toCustomer, toOwnership, toProduct, toRun } from "./rows.js";
import { entryWindowOpen, newRunValues } from "./runs.js";
import { broadcasts, customers, events, flowRuns, ownerships, products } from "./schema.js";
import type {
  AudienceOwner,
  AudiencePage,
  BroadcastAudience,
  BroadcastCursor,
  BroadcastPageOutcome,
  BroadcastPageWrite,
  BroadcastRow,
  NewBroadcast,
  ProductRow,
  RunRow,
} from "./store.js";

/**
 * The events table wants a customer address; a broadcast's event has no one customer.
 * `.invalid` is reserved (RFC 2606): nothing is ever sent there. Each run's messages go
 * to the run's own customer.
 */
export const BROADCAST_EVENT_EMAIL = "broadcast@rapport.invalid";

/** Event ids from senders never contain '/', so a broadcast's event cannot collide with one. */
export const broadcastEventId = (broadcastId: string) => `broadcast/${broadcastId}`;

const toBroadcast = (r: typeof broadcasts.$inferSelect): BroadcastRow => ({
  id: r.id,
  flowId: r.flowId,
  eventId: r.eventId,
  audience: JSON.parse(r.audience) as BroadcastAudience,
  properties: JSON.parse(r.properties) as BroadcastRow["properties"],
  status: r.status,
  cursor:
    r.cursorProductId !== null && r.cursorOwnershipId !== null
      ? { productId: r.cursorProductId, ownershipId: r.cursorOwnershipId }
      : null,
  pages: r.pages,
  total: r.total,
  started: r.started,
  skipped: r.skipped,
  error: r.error,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  finishedAt: r.finishedAt,
});

export function createBroadcast(
  db: Db,
  input: NewBroadcast,
  now: number,
  newId: () => string,
): { broadcast: BroadcastRow; duplicate: boolean } {
  const id = input.id ?? newId();
  const eventId = broadcastEventId(id);
  return db.transaction(
    (tx) => {
      const inserted = tx
        .insert(broadcasts)
        .values({
          id,
          flowId: input.flowId,
          eventId,
          audience: JSON.stringify(input.audience),
          properties: JSON.stringify(input.properties),
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing()
        .returning()
        .get();
      if (!inserted) {
        const row = tx.select().from(broadcasts).where(eq(broadcasts.id, id)).get();
        if (!row) throw new Error(`broadcast ${id} vanished right after it was stored`);
        return { broadcast: toBroadcast(row), duplicate: true };
      }
      // Processed from the start: no events job ever looks at it (it names no real customer);
      // runContext and deliveries read its type and properties.
      tx.insert(events)
        .values({
          id: eventId,
          type: input.eventType,
          occurredAt: now,
          receivedAt: now,
          customerEmail: BROADCAST_EVENT_EMAIL,
          payload: JSON.stringify({
            id: eventId,
            type: input.eventType,
            customer: { email: BROADCAST_EVENT_EMAIL },
            properties: input.properties,
          }),
          status: "processed",
          processedAt: now,
        })
        .onConflictDoNothing()
        .run();
      return { broadcast: toBroadcast(inserted), duplicate: false };
    },
    { behavior: "immediate" },
  );
}

export function getBroadcast(db: Db, id: string): BroadcastRow | null {
  const row = db.select().from(broadcasts).where(eq(broadcasts.id, id)).get();
  return row ? toBroadcast(row) : null;
}

export function markBroadcastRunning(db: Db, id: string, total: number, now: number): void {
  db.update(broadcasts)
    .set({ status: "running", total, updatedAt: now })
    .where(and(eq(broadcasts.id, id), eq(broadcasts.status, "queued")))
    .run();
}

export function markBroadcastFailed(db: Db, id: string, error: string, now: number): void {
  db.update(broadcasts)
    .set({ status: "failed", error, updatedAt: now, finishedAt: now })
    .where(eq(broadcasts.id, id))
    .run();
}

/** The audience's products in id order (a category has few; a SKU names one). */
function audienceProducts(db: Db, audience: BroadcastAudience): ProductRow[] {
  const where =
    audience.sku !== undefined ? eq(products.sku, audience.sku) : eq(products.category, audience.category);
  return db.select().from(products).where(where).orderBy(asc(products.id)).all().map(toProduct);
}

export function countAudience(db: Db, audience: BroadcastAudience): number {
  const ids = audienceProducts(db, audience).map((p) => p.id);
  if (ids.length === 0) return 0;
  const row = db
    .select({ n: sql<number>`count(*)` })
    .from(ownerships)
    .where(and(inArray(ownerships.productId, ids), eq(ownerships.status, "active")))
    .get();
  return row?.n ?? 0;
}

export function audiencePage(
  db: Db,
  audience: BroadcastAudience,
  cursor: BroadcastCursor | null,
  limit: number,
): AudiencePage {
  const ownersOf = prepared(db, "broadcasts.owners", () =>
    db
      .select({ ownership: ownerships, customer: customers })
      .from(ownerships)
      .innerJoin(customers, eq(customers.id, ownerships.customerId))
      .where(
        and(
          eq(ownerships.productId, sql.placeholder("productId")),
          eq(ownerships.status, "active"),
          gt(ownerships.id, sql.placeholder("after")),
        ),
      )
      .orderBy(asc(ownerships.id))
      .limit(sql.placeholder("limit"))
      .prepare(),
  );
  const owners: AudienceOwner[] = [];
  for (const product of audienceProducts(db, audience)) {
    if (cursor && product.id < cursor.productId) continue;
    const after = cursor && product.id === cursor.productId ? cursor.ownershipId : "";
    const rows = ownersOf.all({ productId: product.id, after, limit: limit - owners.length });
    for (const r of rows) {
      owners.push({ product, ownership: toOwnership(r.ownership), customer: toCustomer(r.customer) });
    }
    const last = owners.at(-1);
    if (owners.length >= limit && last) {
      return { owners, next: { productId: product.id, ownershipId: last.ownership.id }, exhausted: false };
    }
  }
  const last = owners.at(-1);
  return {
    owners,
    next: last ? { productId: last.product.id, ownershipId: last.ownership.id } : cursor,
    exhausted: true,
  };
}

export function writeBroadcastPage(
  db: Db,
  page: BroadcastPageWrite,
  newId: () => string,
): BroadcastPageOutcome {
  const q = prepared(db, "broadcasts.page", () => ({
    insertRun: db
      .insert(flowRuns)
      .values(newRunValues())
      .onConflictDoNothing({ target: flowRuns.entryKey })
      .returning()
      .prepare(),
    advance: db
      .update(broadcasts)
      .set({
        cursorProductId: bound("productId"),
        cursorOwnershipId: bound("ownershipId"),
        pages: sql`${broadcasts.pages} + 1`,
        started: sql`${broadcasts.started} + ${sql.placeholder("started")}`,
        skipped: sql`${broadcasts.skipped} + ${sql.placeholder("skipped")}`,
        status: bound("status"),
        updatedAt: bound("now"),
        finishedAt: bound("finishedAt"),
      })
      .where(
        and(
          eq(broadcasts.id, sql.placeholder("id")),
          eq(broadcasts.pages, sql.placeholder("expectedPages")),
          inArray(broadcasts.status, ["queued", "running"]),
        ),
      )
      .returning()
      .prepare(),
  }));
  return db.transaction(
    (tx) => {
      const current = tx.select().from(broadcasts).where(eq(broadcasts.id, page.broadcastId)).get();
      if (!current) return { applied: false, broadcast: null };
      if (
        current.pages !== page.expectedPages ||
        (current.status !== "queued" && current.status !== "running")
      )
        return { applied: false, broadcast: toBroadcast(current) };
      const created: RunRow[] = [];
      for (const run of page.runs) {
        if (!entryWindowOpen(db, run, run.customerId)) continue; // counted as skipped below
        const row = q.insertRun.get({
          id: newId(),
          flowId: run.flowId,
          flowVersion: run.flowVersion,
          customerId: run.customerId,
          ownershipId: run.ownershipId,
          eventId: current.eventId,
          entryKey: run.entryKey,
          state: JSON.stringify(run.state),
          status: run.state.status,
          wakeAt: run.state.wakeAt,
          now: page.now,
        });
        if (row) created.push(toRun(row));
      }
      const updated = q.advance.get({
        id: page.broadcastId,
        expectedPages: page.expectedPages,
        productId: page.next?.productId ?? null,
        ownershipId: page.next?.ownershipId ?? null,
        started: created.length,
        // Owners whose run's entry key was taken (a once-flow they already had) are skipped too.
        skipped: page.skipped + (page.runs.length - created.length),
        status: page.done ? "completed" : "running",
        now: page.now,
        finishedAt: page.done ? page.now : null,
      });
      if (!updated) throw new Error(`broadcast ${page.broadcastId} moved while its page was written`);
      return { applied: true, broadcast: toBroadcast(updated), created };
    },
    { behavior: "immediate" },
  );
}

export function listStrandedBroadcasts(db: Db, updatedBefore: number, limit: number): string[] {
  return db
    .select({ id: broadcasts.id })
    .from(broadcasts)
    .where(and(inArray(broadcasts.status, ["queued", "running"]), lt(broadcasts.updatedAt, updatedBefore)))
    .orderBy(asc(broadcasts.updatedAt))
    .limit(limit)
    .all()
    .map((r) => r.id);
}
